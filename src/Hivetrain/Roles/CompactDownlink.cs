using System.Security.Cryptography;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using Hivetrain.Storage;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// The compact downlink's transport: a participant holding a base's parent reads the base's <c>merge.json</c> (bound to
/// round.json by its hash), fetches the round's deltas from the contributors' repositories at the revisions the averager
/// pinned (each named by its payload's hash, checked as a validator checks it), and, when the outer step started from a
/// momentum it does not hold, the parent's <c>outer-momentum.safetensors</c>; then <see cref="BaseRebuild"/> rebuilds the
/// base and checks it against the record's digests. Tried only when the deltas and the record together are smaller than
/// the full weights; anything that fails is a <see cref="RebuildFailure"/>, and the caller reads the full model.
/// </summary>
internal static class CompactDownlink
{
    /// <summary>A try: the load when it succeeded, else why it failed (null: not offered, or the full model is no larger), and the bytes it read.</summary>
    public sealed record Attempt(BaseLoad? Load, RebuildFailure? Failure, long BytesRead);

    private static readonly Attempt NotOffered = new(null, null, 0);

    /// <summary>Rebuilds <paramref name="latest"/> into <paramref name="model"/> from <paramref name="held"/>, its parent; <paramref name="configBytes"/> were read already.</summary>
    public static async Task<Attempt> TryLoadAsync(IModelStore store, string repoId, BaseModel latest, Gpt model, HeldBase held, long configBytes,
        CancellationToken ct)
    {
        if (latest.Manifest.MergeRecordSha256 is not { } recordSha256) return NotOffered;
        var (record, recordBytes, unreadable) = await ReadRecordAsync(store, repoId, latest, recordSha256, ct);
        if (record is null) return new Attempt(null, unreadable, recordBytes);
        long fullBytes = model.NamedParameters.Values.Sum(p => p.numel()) * sizeof(float);
        long compactBytes = record.Deltas.Sum(d => d.Bytes) + recordBytes;
        if (compactBytes >= fullBytes) return new Attempt(null, null, recordBytes);

        long read = recordBytes;
        var files = new List<DeltaFile>();
        OuterMomentum? fetched = null;
        try
        {
            var momentum = held.Momentum;
            if (record.ParentMomentumSha256 is { } wanted && held.Momentum?.Sha256 != wanted)
            {
                (fetched, long momentumBytes, var missing) = await FetchMomentumAsync(store, repoId, held.Revision, model, wanted, ct);
                read += momentumBytes;
                if (fetched is null) return new Attempt(null, missing, read);
                momentum = fetched;
            }
            var expected = DeltaExpectation.For(model.NamedParameters, held.Revision) with { MaxNorm = double.PositiveInfinity };
            for (int i = 0; i < record.Deltas.Count; i++)
            {
                var (file, bytes, failure) = await FetchDeltaAsync(store, latest, i, record.Deltas[i], expected, ct);
                read += bytes;
                if (file is null) return new Attempt(null, failure, read);
                files.Add(file);
            }
            using var rebuilt = BaseRebuild.TryRun(held.Parameters, files, record, momentum, out var mismatch);
            if (rebuilt is null) return new Attempt(null, mismatch, read);
            using (torch.no_grad())
                foreach (var (name, p) in model.NamedParameters)
                    p.copy_(rebuilt.Parameters[name]);
            return new Attempt(new BaseLoad(model, configBytes + read, FromParent: true) { Rebuilt = true, Momentum = rebuilt.TakeMomentum() }, null, read);
        }
        finally
        {
            foreach (var f in files) f.Dispose();
            fetched?.Dispose();
        }
    }

    private static async Task<(MergeRecord? Record, long Bytes, RebuildFailure? Failure)> ReadRecordAsync(IModelStore store, string repoId, BaseModel latest,
        string recordSha256, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            await using var stream = await store.OpenReadAsync(repoId, latest.Revision, ProtocolFiles.MergeRecord, ct, MergeRecord.MaxBytes);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        catch (StoreException e)
        {
            return (null, 0, new RebuildFailure(RebuildFailureReason.RecordUnreadable, $"{ProtocolFiles.MergeRecord} of {latest.Revision}: {e.Message}"));
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != recordSha256)
            return (null, bytes.Length, new RebuildFailure(RebuildFailureReason.RecordUnreadable,
                $"{ProtocolFiles.MergeRecord} of {latest.Revision} has SHA-256 {sha}; round.json names {recordSha256}"));
        try
        {
            return (MergeRecord.Parse(bytes), bytes.Length, null);
        }
        catch (FormatException e)
        {
            return (null, bytes.Length, new RebuildFailure(RebuildFailureReason.RecordUnreadable, $"{latest.Revision}: {e.Message}"));
        }
    }

    /// <summary>Delta <paramref name="index"/> of the record, from the contributor whose delta has its hash, at the pinned revision, checked.</summary>
    private static async Task<(DeltaFile? File, long Bytes, RebuildFailure? Failure)> FetchDeltaAsync(IModelStore store, BaseModel latest, int index,
        MergeRecordDelta wanted, DeltaExpectation expected, CancellationToken ct)
    {
        var source = latest.Manifest.Contributors.FirstOrDefault(c => c.Sha256 == wanted.Sha256);
        if (source is null)
            return (null, 0, new RebuildFailure(RebuildFailureReason.DeltaUnavailable, $"delta {index} ({wanted.Sha256}): no contributor in round.json has it"));
        string path;
        try
        {
            path = await store.GetLocalPathAsync(source.Repo, source.Revision, ProtocolFiles.Delta, ct, wanted.Bytes);
        }
        catch (StoreException e)
        {
            return (null, 0, new RebuildFailure(RebuildFailureReason.DeltaUnavailable, $"delta {index} from {source.Repo}@{source.Revision}: {e.Message}"));
        }
        long bytes = new FileInfo(path).Length;
        var file = DeltaCheck.TryOpen(path, expected, out var unreadable);
        var verdict = file is null ? unreadable! : DeltaCheck.Check(file, expected);
        if (verdict.IsValid) return (file, bytes, null);
        file?.Dispose();
        return (null, bytes, new RebuildFailure(RebuildFailureReason.DeltaInvalid, $"delta {index} from {source.Repo}@{source.Revision}: {verdict}"));
    }

    /// <summary>The parent's published outer momentum, when its digest is <paramref name="wanted"/>.</summary>
    private static async Task<(OuterMomentum? Momentum, long Bytes, RebuildFailure? Failure)> FetchMomentumAsync(IModelStore store, string repoId,
        string parentRevision, Gpt model, string wanted, CancellationToken ct)
    {
        var shapes = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);
        long bound = shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)) * sizeof(float) + (1 << 20); // f32 values and a header far under 1 MiB
        string path;
        try
        {
            path = await store.GetLocalPathAsync(repoId, parentRevision, ProtocolFiles.OuterMomentum, ct, bound);
        }
        catch (StoreException e)
        {
            return (null, 0, new RebuildFailure(RebuildFailureReason.MomentumUnavailable, $"{ProtocolFiles.OuterMomentum} of {parentRevision}: {e.Message}"));
        }
        long bytes = new FileInfo(path).Length;
        try
        {
            using var reader = SafeTensorsReader.Open(path);
            var momentum = OuterMomentum.Read(reader, shapes);
            if (momentum.Sha256 == wanted) return (momentum, bytes, null);
            momentum.Dispose();
            return (null, bytes, new RebuildFailure(RebuildFailureReason.MomentumUnavailable,
                $"{ProtocolFiles.OuterMomentum} of {parentRevision} has digest {momentum.Sha256}; the record wants {wanted}"));
        }
        catch (Exception e) when (e is SafeTensorsException or InvalidDataException)
        {
            return (null, bytes, new RebuildFailure(RebuildFailureReason.MomentumUnavailable, $"{ProtocolFiles.OuterMomentum} of {parentRevision}: {e.Message}"));
        }
    }
}
