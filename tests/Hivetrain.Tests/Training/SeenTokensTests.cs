using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Training;

public sealed class SeenTokensTests
{
    private static readonly GptConfig Model = GptConfig.Tiny with { Context = 16 };

    [Fact]
    public void Marks_each_id_once_and_refuses_ids_outside_the_vocabulary()
    {
        var seen = new SeenTokens(10);
        seen.Mark([3, 3, 9, 0]);
        Assert.Equal(3, seen.Count);
        Assert.True(seen.Contains(9));
        Assert.False(seen.Contains(4));
        Assert.False(seen.Contains(-1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => seen.Mark([2, 10]));
        Assert.Contains("token id 10 is outside the vocabulary of 10", e.Message);
    }

    [Fact]
    public void Restoring_puts_exactly_the_unseen_rows_back_to_the_base()
    {
        using var model = new Gpt(Model, seed: 1);
        using var @base = ParameterSnapshot.Of(model.NamedParameters);
        Perturb(model, rows: null);
        var seen = new SeenTokens(Model.Vocab);
        seen.Mark([3, 7]);

        Assert.Equal(Model.Vocab - 2, seen.RestoreUnseenRows(model.NamedParameters, @base.Tensors));

        Assert.Equal([3L, 7L], RowsThatDiffer(model.NamedParameters[ParameterShape.TokenEmbedding], @base[ParameterShape.TokenEmbedding]));
        foreach (var (name, p) in model.NamedParameters.Where(p => p.Key != ParameterShape.TokenEmbedding))
            Assert.True(p.allclose(@base[name], rtol: 0, atol: 0), $"'{name}' should be untouched");
    }

    [Fact]
    public void Only_ids_the_data_holds_are_restored()
    {
        // An id no miner's data holds is pushed down by every miner alike; that row goes out as trained.
        using var model = new Gpt(Model, seed: 1);
        using var @base = ParameterSnapshot.Of(model.NamedParameters);
        Perturb(model, rows: null);
        var seen = new SeenTokens(Model.Vocab);
        seen.Mark([3]);
        var inData = new bool[10]; // a shorter vocabulary: the ids past it are in no data
        foreach (int id in new[] { 2, 3, 4 }) inData[id] = true;

        Assert.Equal(2, seen.RestoreUnseenRows(model.NamedParameters, @base.Tensors, inData));

        var differs = RowsThatDiffer(model.NamedParameters[ParameterShape.TokenEmbedding], @base[ParameterShape.TokenEmbedding]);
        Assert.Equal(Model.Vocab - 2, differs.Length);
        Assert.DoesNotContain(2L, differs);
        Assert.DoesNotContain(4L, differs);
    }

    [Fact]
    public void Reset_marks_exactly_the_rows_that_differ_from_the_base()
    {
        using var model = new Gpt(Model, seed: 1);
        using var @base = ParameterSnapshot.Of(model.NamedParameters);
        var seen = new SeenTokens(Model.Vocab);
        seen.Mark([1, 2, 3]);
        Perturb(model, rows: [5, 9]);

        seen.Reset(model.NamedParameters, @base.Tensors);

        Assert.Equal(2, seen.Count);
        Assert.True(seen.Contains(5) && seen.Contains(9));
        Assert.False(seen.Contains(1));
        seen.Reset(@base.Tensors, @base.Tensors);
        Assert.Equal(0, seen.Count);
    }

    [Fact]
    public void The_trainer_marks_the_ids_of_the_windows_it_trains_on()
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(),
            new TrainerOptions(BatchRows: 2, LearningRate: 3e-3, WarmupSteps: 1, DecaySteps: 10));
        trainer.Step();
        // Every window of 17 tokens covers the whole cycle of 8 ids.
        int[] cycle = [11, 400, 7, 9000, 123, 50256, 42, 3];
        Assert.Equal(cycle.Length, trainer.Seen.Count);
        Assert.All(cycle, id => Assert.True(trainer.Seen.Contains(id)));
    }

    /// <summary>The rows where <paramref name="a"/> and <paramref name="b"/> differ (in a scope: no temporary left to the finalizer).</summary>
    internal static long[] RowsThatDiffer(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return torch.nonzero(a.ne(b).any(1)).flatten().data<long>().ToArray();
    }

    /// <summary>Adds 1 to the token embedding's <paramref name="rows"/> (null: all of them).</summary>
    private static void Perturb(Gpt model, long[]? rows)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var embedding = model.NamedParameters[ParameterShape.TokenEmbedding];
        if (rows is null) embedding.PlusInPlace(torch.ones_like(embedding));
        else foreach (long r in rows) embedding[r].PlusInPlace(torch.ones_like(embedding[r]));
    }
}
