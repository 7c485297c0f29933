using System.Text;
using System.Text.Json.Nodes;
using Hivetrain.Averaging;

namespace Hivetrain.Tests.Averaging;

/// <summary>merge.json: written and read back bit for bit, and every kind of bad input refused with a message naming it.</summary>
public sealed class MergeRecordTests
{
    private static readonly string Sha = new('a', 64);

    private static MergeRecord Sample(float[] coefficients, double eta = 0.8, double mu = 0.5) => new(
        MergeRecord.CurrentFormat, ["wte.weight", "ln_f.bias"],
        [new MergeRecordDelta(Sha, 1234, coefficients), new MergeRecordDelta(new string('b', 64), 99, [0.25f, 1f])],
        eta, mu, 0.5, new string('c', 64), null, mu == 0 && eta == 1 ? null : new string('d', 64));

    [Fact]
    public void Coefficients_survive_the_file_bit_for_bit()
    {
        var random = new Random(5);
        foreach (var c in new[] { 1f / 3, MathF.BitDecrement(1f), float.Epsilon, 1e-38f, 0f, (float)random.NextDouble(), (float)random.NextDouble() * 1e-5f })
        {
            var record = Sample([c, MathF.BitIncrement(c)]);

            var read = MergeRecord.Parse(record.ToJsonBytes());

            Assert.Equal(BitConverter.SingleToInt32Bits(c), BitConverter.SingleToInt32Bits(read.Deltas[0].Coefficients[0]));
            Assert.Equal(BitConverter.SingleToInt32Bits(MathF.BitIncrement(c)), BitConverter.SingleToInt32Bits(read.Deltas[0].Coefficients[1]));
            Assert.Equal(record.ToJsonBytes(), read.ToJsonBytes());
        }
    }

    /// <summary>An edit of a valid record's JSON, and what the error must say.</summary>
    public static TheoryData<string, string> BadRecords => new()
    {
        { """{"format": "hivetrain-merge/v2"}""", "format 'hivetrain-merge/v2' is not hivetrain-merge/v1" },
        { """{"surprise": 1}""", "surprise" },
        { """{"base_sha256": null}""", "base_sha256" },
        { """{"step_scale": 0.3}""", "step_scale 0.3 is not one of the guard's scales" },
        { """{"base_sha256": "ABC"}""", "base_sha256 'ABC' is not 64 lowercase hex digits" },
        { """{"outer_momentum": 1}""", "outer_momentum 1 is not in [0, 1)" },
        { """{"outer_learning_rate": 0}""", "outer_learning_rate 0 is not positive" },
        { """{"outer_learning_rate": 1, "outer_momentum": 0}""", "a momentum for the plain merge" },
        { """{"momentum_sha256": null}""", "no momentum for an outer step that keeps one" },
        { """{"tensors": ["wte.weight", "wte.weight"]}""", "a tensor named twice" },
        { """{"tensors": []}""", "no tensors" },
        { """{"deltas": []}""", "no deltas" },
        { """{"deltas": [{"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bytes": 5, "coefficients": [0.5]}]}""", "delta 0: 1 coefficients for 2 tensors" },
        { """{"deltas": [{"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bytes": 5, "coefficients": [0.5, 1.5]}]}""", "delta 0: coefficient 1.5 of 'ln_f.bias' is not in [0, 1]" },
        { """{"deltas": [{"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bytes": 0, "coefficients": [0.5, 0.5]}]}""", "delta 0: bytes 0 is not positive" },
        { """{"deltas": [{"sha256": "aaaa", "bytes": 5, "coefficients": [0.5, 0.5]}]}""", "delta 0: sha256 'aaaa' is not 64 lowercase hex digits" },
        { """{"deltas": [{"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bytes": 5, "coefficients": ["0.5", 0.5]}]}""", "is not valid" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Bad_input_is_refused_naming_the_problem(string edit, string message)
    {
        var json = JsonNode.Parse(Sample([0.5f, 0.125f]).ToJsonBytes())!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(edit)!.AsObject()) json[key] = value?.DeepClone();

        var error = Assert.Throws<FormatException>(() => MergeRecord.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Contains(message, error.Message);
        Assert.StartsWith(MergeRecord.FileName, error.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    public void What_is_not_a_record_is_refused(string text)
    {
        var error = Assert.Throws<FormatException>(() => MergeRecord.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.StartsWith(MergeRecord.FileName, error.Message);
    }

    [Fact]
    public void A_property_given_twice_is_refused()
    {
        var json = Encoding.UTF8.GetString(Sample([0.5f, 0.125f]).ToJsonBytes()).Replace("{\"format\":", "{\"step_scale\":1,\"format\":");

        var error = Assert.Throws<FormatException>(() => MergeRecord.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("step_scale", error.Message);
    }
}
