using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hivetrain.Averaging;

/// <summary>
/// <c>merge.json</c> of a base revision (the compact downlink): everything besides the parent base and the round's
/// deltas that a participant needs to rebuild the base bit for bit (<see cref="BaseRebuild"/>). The deltas, named by the
/// SHA-256 of their payload and in the order they were summed, each with its file size and its coefficient per tensor
/// c[i,t] = (f32)(λ[i,t]·clip_i) (columns in the order of <see cref="Tensors"/>); the outer step's η and μ; the guard's
/// <see cref="StepScale"/>; the <see cref="ParameterDigest"/> of the published base, of the momentum the outer step
/// started from (null: none) and of the one it left (null: the plain merge keeps none); whether each entry was averaged
/// over the deltas that sent it (<see cref="SenderMean"/>; written only when true, so a record without it reads as
/// before). Versioned by <see cref="Format"/>; <see cref="Parse"/> is strict.
/// </summary>
public sealed record MergeRecord(
    string Format,
    IReadOnlyList<string> Tensors,
    IReadOnlyList<MergeRecordDelta> Deltas,
    double OuterLearningRate,
    double OuterMomentum,
    double StepScale,
    string BaseSha256,
    string? ParentMomentumSha256,
    string? MomentumSha256)
{
    public const string FileName = "merge.json";

    /// <summary>Each δ_i was weighted per entry by <see cref="Averaging.SenderMean"/> before its coefficient.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SenderMean { get; init; }

    /// <summary>The format this version writes and reads.</summary>
    public const string CurrentFormat = "hivetrain-merge/v1";

    /// <summary>Longest merge.json read: K deltas × T tensors coefficients of ≤ 16 characters, far above any real one.</summary>
    public const long MaxBytes = 16 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
    };

    /// <summary>The coefficients as a matrix [delta, tensor].</summary>
    public float[,] Coefficients()
    {
        var c = new float[Deltas.Count, Tensors.Count];
        for (int i = 0; i < Deltas.Count; i++)
        for (int t = 0; t < Tensors.Count; t++)
            c[i, t] = Deltas[i].Coefficients[t];
        return c;
    }

    /// <summary>Bytes a participant downloads to rebuild the base: the deltas and this file.</summary>
    [JsonIgnore]
    public long DownloadBytes => Deltas.Sum(d => d.Bytes) + ToJsonBytes().LongLength;

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses a merge.json; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static MergeRecord Parse(ReadOnlySpan<byte> json)
    {
        MergeRecord? record;
        try { record = JsonSerializer.Deserialize<MergeRecord>(json, Json); }
        catch (JsonException e) { throw new FormatException($"{FileName} is not valid: {e.Message}", e); }
        if (record is null) throw new FormatException($"{FileName} is null");
        record.Validate();
        return record;
    }

    /// <summary>Throws <see cref="FormatException"/> naming the first field that is out of its range.</summary>
    private void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new FormatException($"{FileName}: {what}");
        }
        Require(Format == CurrentFormat, $"format '{Format}' is not {CurrentFormat}");
        Require(Tensors.Count > 0, "no tensors");
        Require(Tensors.All(n => n.Length > 0), "an empty tensor name");
        Require(Tensors.Distinct(StringComparer.Ordinal).Count() == Tensors.Count, "a tensor named twice");
        Require(Deltas.Count > 0, "no deltas");
        for (int i = 0; i < Deltas.Count; i++)
        {
            var d = Deltas[i];
            Require(IsSha256(d.Sha256), $"delta {i}: sha256 '{d.Sha256}' is not 64 lowercase hex digits");
            Require(d.Bytes > 0, $"delta {i}: bytes {d.Bytes} is not positive");
            Require(d.Coefficients.Count == Tensors.Count, $"delta {i}: {d.Coefficients.Count} coefficients for {Tensors.Count} tensors");
            for (int t = 0; t < d.Coefficients.Count; t++)
                Require(d.Coefficients[t] is >= 0 and <= 1, $"delta {i}: coefficient {d.Coefficients[t]} of '{Tensors[t]}' is not in [0, 1]");
        }
        Require(OuterLearningRate > 0 && double.IsFinite(OuterLearningRate), $"outer_learning_rate {OuterLearningRate} is not positive");
        Require(OuterMomentum is >= 0 and < 1, $"outer_momentum {OuterMomentum} is not in [0, 1)");
        Require(GuardedStep.Scales.Contains(StepScale), $"step_scale {StepScale} is not one of the guard's scales ({string.Join(", ", GuardedStep.Scales)})");
        Require(IsSha256(BaseSha256), $"base_sha256 '{BaseSha256}' is not 64 lowercase hex digits");
        bool plain = OuterLearningRate == 1 && OuterMomentum == 0;
        Require(ParentMomentumSha256 is null || IsSha256(ParentMomentumSha256), $"parent_momentum_sha256 '{ParentMomentumSha256}' is not 64 lowercase hex digits");
        Require(MomentumSha256 is null || IsSha256(MomentumSha256), $"momentum_sha256 '{MomentumSha256}' is not 64 lowercase hex digits");
        Require(!plain || ParentMomentumSha256 is null, "a parent momentum for the plain merge (η = 1, μ = 0), which uses none");
        Require(plain == (MomentumSha256 is null), plain ? "a momentum for the plain merge (η = 1, μ = 0), which keeps none" : "no momentum for an outer step that keeps one");
    }

    private static bool IsSha256(string s) => s.Length == 64 && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>One delta of a <see cref="MergeRecord"/>: its payload's SHA-256, its file's size, its coefficient per tensor.</summary>
public sealed record MergeRecordDelta(string Sha256, long Bytes, IReadOnlyList<float> Coefficients);
