using System.Text;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>
/// The merge's mean over senders: the weights count the deltas that sent each entry, the composition at λ = 1/K is the
/// per-entry mean over senders, dense deltas merge to the same bits as without it, and a participant rebuilds a base
/// merged that way from its record, which says so.
/// </summary>
public sealed class SenderMeanTests
{
    private const string Sparse = "topk64of1024+q4";

    /// <summary>Descent steps with noise as large as the gradient, so their top-k entries overlap only in part.</summary>
    private static List<DeltaFile> Deltas(Gpt model, string encoding) =>
    [
        MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 1, encoding),
        MergeFixtures.Delta(model, -0.8f, 0.02f, seed: 2, encoding),
        MergeFixtures.Delta(model, -0.3f, 0.02f, seed: 3, encoding),
    ];

    private static void Dispose(IEnumerable<DeltaFile> files)
    {
        foreach (var f in files) f.Dispose();
    }

    [Fact]
    public void Each_weight_is_K_over_the_deltas_that_sent_the_entry_and_dense_deltas_have_none()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        var sparse = Deltas(model, Sparse);
        var dense = Deltas(model, "f32");
        try
        {
            var counts = new Dictionary<int, int>();
            foreach (var name in model.ParameterNames)
            {
                var decoded = sparse.Select(f => Values(f, name)).ToList();
                // null where each entry was sent by all or none (small tensors, which the code sends whole)
                var weights = SenderMean.Weights(sparse, name, decoded[0].Length);
                for (int j = 0; j < decoded[0].Length; j++)
                {
                    int senders = decoded.Count(d => d[j] != 0);
                    Assert.Equal(senders == 0 ? 1f : 3f / senders, weights?[j] ?? (senders % 3 == 0 ? 1f : float.NaN));
                    counts[senders] = counts.GetValueOrDefault(senders) + 1;
                }
                Assert.Null(SenderMean.Weights(dense, name, decoded[0].Length));
            }
            Assert.All(new[] { 0, 1, 2, 3 }, n => Assert.True(counts.GetValueOrDefault(n) > 0, $"no entry sent by {n} deltas: the fixture tests too little"));
        }
        finally
        {
            Dispose(sparse);
            Dispose(dense);
        }
    }

    private static float[] Values(DeltaFile file, string name)
    {
        using var decoded = file.ToTensor(file[name]);
        return decoded.data<float>().ToArray();
    }

    [Fact]
    public void At_lambda_one_over_K_each_entry_is_the_mean_over_its_senders()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var @base = ParameterSnapshot.Of(model.NamedParameters);
        var files = Deltas(model, Sparse);
        try
        {
            var merge = new DeltaMerge(model, @base, files, [1.0, 1.0, 1.0], SenderMean.Of(files, model.ParameterNames, @base.Tensors));
            merge.Compose(new MergeCoefficients([1.0 / 3, 1.0 / 3, 1.0 / 3], model.ParameterNames.Count));
            foreach (var name in model.ParameterNames)
            {
                using var expected = MeanOverSenders(@base, files, name);
                Assert.True(expected.allclose(model.NamedParameters[name], rtol: 1e-5, atol: 1e-7), name);
            }
        }
        finally { Dispose(files); }
    }

    /// <summary>base + Σ δ_i / max(1, senders), computed with torch.</summary>
    private static torch.Tensor MeanOverSenders(ParameterSnapshot @base, List<DeltaFile> files, string name)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sum = torch.zeros_like(@base[name]);
        var senders = torch.zeros_like(@base[name]);
        foreach (var file in files)
        {
            var decoded = file.ToTensor(file[name]);
            sum.PlusInPlace(decoded);
            senders.PlusInPlace(decoded.ne(TorchScalars.Zero).to(torch.ScalarType.Float32));
        }
        return sum.div_(senders.clamp_min_(TorchScalars.One)).PlusInPlace(@base[name]).MoveToOuterDisposeScope();
    }

    [Fact]
    public void Dense_deltas_merge_to_the_same_bits_with_and_without_it()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        var files = Deltas(model, "bf16");
        try
        {
            using var @base = ParameterSnapshot.Of(model.NamedParameters);
            var coefficients = new float[files.Count, model.ParameterNames.Count];
            for (int i = 0; i < files.Count; i++)
            for (int t = 0; t < model.ParameterNames.Count; t++) coefficients[i, t] = 0.3f + 0.1f * i;
            var outer = new OuterOptimizer(0.8, 0.5);
            using var plain = MergeStep.Compute(@base.Tensors, model.ParameterNames, files, coefficients, outer, null);
            using var weighted = MergeStep.Compute(@base.Tensors, model.ParameterNames, files, coefficients, outer, null,
                SenderMean.Of(files, model.ParameterNames, @base.Tensors));
            var a = plain.At(1.0);
            var b = weighted.At(1.0);
            try { Assert.Equal(MergeFixtures.Bytes(a), MergeFixtures.Bytes(b)); }
            finally
            {
                foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
            }
        }
        finally { Dispose(files); }
    }

    [Fact]
    public void By_default_a_round_is_merged_over_senders_when_every_delta_is_sparse()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        var files = new List<DeltaFile>
        {
            MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 1, Sparse),
            MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 2, "bf16+top0.05"),
            MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 3, "bf16"),
            MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 4, "rank2"),
        };
        try
        {
            Assert.True(SenderMean.Suits(files[..2]));
            Assert.False(SenderMean.Suits(files[..3])); // a dense delta sends every entry
            Assert.False(SenderMean.Suits([files[0], files[3]])); // so do low-rank factors
        }
        finally { Dispose(files); }
    }

    [Fact]
    public void A_participant_rebuilds_a_base_merged_over_senders_from_its_record()
    {
        // Sparse deltas only: the merge averages over senders by default, and its record says so.
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var merge = new MergeRound(new MergeOptions(MergeSteps: 2, OuterLearningRate: 0.8, OuterMomentum: 0.5, GuardBatchRows: 4));
        using var parent = ParameterSnapshot.Of(model.NamedParameters);
        var files = Deltas(model, Sparse);
        try
        {
            var outcome = merge.Run(model, new MergeInputs(files, s => MergeFixtures.Windows(4, seed: 100 + s), () => MergeFixtures.Windows(4),
                () => MergeFixtures.Provenance));
            Assert.True(outcome.Published);
            var json = Encoding.UTF8.GetString(outcome.Record!.ToJsonBytes());
            Assert.Contains("\"sender_mean\":true", json);
            var record = MergeRecord.Parse(outcome.Record.ToJsonBytes());
            Assert.True(record.SenderMean);

            using (var rebuilt = BaseRebuild.TryRun(parent.Tensors, files, record, null, out var failure))
            {
                Assert.Null(failure);
                Assert.Equal(MergeFixtures.Bytes(model.NamedParameters), MergeFixtures.Bytes(rebuilt!.Parameters));
            }
            // Read as a plain merge, the same record's base does not rebuild: the flag is what the participant replays.
            using var asPlain = BaseRebuild.TryRun(parent.Tensors, files, record with { SenderMean = false }, null, out var plainFailure);
            Assert.Null(asPlain);
            Assert.Equal(RebuildFailureReason.BaseMismatch, plainFailure!.Reason);
            Assert.DoesNotContain("sender_mean", Encoding.UTF8.GetString((record with { SenderMean = false }).ToJsonBytes()));
        }
        finally { Dispose(files); }
    }
}
