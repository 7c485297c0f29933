using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Tests.Data;

public sealed class SyntheticCorpusTests
{
    [Fact]
    public void Same_options_same_documents()
    {
        var options = new SyntheticCorpusOptions(Documents: 50, Dialects: 3, Seed: 9);
        Assert.Equal(SyntheticCorpus.Documents(options), SyntheticCorpus.Documents(options));
        Assert.NotEqual(SyntheticCorpus.Documents(options), SyntheticCorpus.Documents(options with { Seed = 10 }));
    }

    [Fact]
    public void Documents_cycle_through_dialects()
    {
        var documents = SyntheticCorpus.Documents(new SyntheticCorpusOptions(Documents: 12, Dialects: 3)).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 3), documents.Select(d => d.Group));
    }

    [Fact]
    public void Dialects_use_different_vocabularies()
    {
        var documents = SyntheticCorpus.Documents(new SyntheticCorpusOptions(Documents: 400, Dialects: 2)).ToList();
        var words = documents.GroupBy(d => d.Group).ToDictionary(g => g.Key,
            g => g.SelectMany(d => d.Text.Split(' ', '.', ',', '"')).Where(w => w.Length > 0).GroupBy(w => w).ToDictionary(w => w.Key, w => w.Count()));
        // Dialect 0 speaks in the past tense and mostly of the farm; dialect 1 in the present, mostly of the sea.
        Assert.True(words[0].GetValueOrDefault("said") > 10);
        Assert.Equal(0, words[0].GetValueOrDefault("says"));
        Assert.Equal(0, words[1].GetValueOrDefault("said"));
        Assert.True(words[1].GetValueOrDefault("sailor") > 3 * words[0].GetValueOrDefault("sailor"));
    }

    [Fact]
    public void Text_is_common_English_that_the_BPE_encodes_compactly()
    {
        var documents = SyntheticCorpus.Documents(new SyntheticCorpusOptions(Documents: 200)).ToList();
        long words = documents.Sum(d => d.Text.Split(' ').Length);
        long tokens = documents.Sum(d => Tokenizer.Gpt2.Encode(d.Text).Length);
        Assert.InRange((double)tokens / words, 1.0, 1.4);
        Assert.All(documents, d => Assert.InRange(d.Text.Length, 80, 1500));
    }

    [Fact]
    public void Bad_sizes_are_rejected()
    {
        Assert.Equal(CorpusErrorReason.BadSpec, Assert.Throws<CorpusException>(() => SyntheticCorpus.Documents(new SyntheticCorpusOptions(Documents: 0)).ToList()).Reason);
        Assert.Equal(CorpusErrorReason.BadSpec, Assert.Throws<CorpusException>(() => SyntheticCorpus.Documents(new SyntheticCorpusOptions(Dialects: 65)).ToList()).Reason);
    }

    [Fact]
    public void Spec_settings_override_the_defaults()
    {
        Assert.Equal(new SyntheticCorpusOptions(500, 4, 7), SyntheticCorpusOptions.Parse("seed=7, documents=500"));
        Assert.Equal(new SyntheticCorpusOptions(20_000, 2, 0), SyntheticCorpusOptions.Parse("dialects=2"));
        Assert.Equal(CorpusErrorReason.BadSpec, Assert.Throws<CorpusException>(() => SyntheticCorpusOptions.Parse("size=3")).Reason);
        Assert.Equal(CorpusErrorReason.BadSpec, Assert.Throws<CorpusException>(() => SyntheticCorpusOptions.Parse("documents=many")).Reason);
        Assert.Equal(CorpusErrorReason.BadSpec, Assert.Throws<CorpusException>(() => SyntheticCorpusOptions.Parse("documents=-1")).Reason);
    }

    [Fact]
    public void Grammar_output_is_pinned()
    {
        // Caches are keyed by SyntheticCorpus.GrammarVersion: if this text changes, bump it.
        var documents = SyntheticCorpus.Documents(new SyntheticCorpusOptions(Documents: 2, Dialects: 2, Seed: 3)).Select(d => d.Text);
        Assert.Equal(
        [
            "Tom lived near the table. There were two cakes near the oven. The fresh cook tasted the hot knives in the kitchen. The pots tasted a cook near the shop. The end.",
            "This is a story about Kai and a salty sailor. Each spring, the busy clerk paints the bright clerk behind the station. The trains are very loud. "
                + "The salty fish catches the lonely fish beside the harbor. Before dawn, the sailor is found by the tall whale. The lonely captain sees the gull. And that was all.",
        ], documents);
    }
}
