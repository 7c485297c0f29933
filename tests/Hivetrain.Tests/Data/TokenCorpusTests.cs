using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Tests.Data;

public sealed class TokenCorpusTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed class CountingProgress : IProgress<CorpusProgress>
    {
        public int Reports;
        public void Report(CorpusProgress value) => Interlocked.Increment(ref Reports);
    }

    [Fact]
    public async Task Second_open_maps_the_cache_without_tokenizing()
    {
        var file = _folder.Write("a.txt", "One document.\n\nAnother document.");
        var options = new CorpusOptions(_folder.Cache);
        var first = new CountingProgress();
        using (var corpus = await TokenCorpus.OpenAsync(file, options, first))
        {
            Assert.False(corpus.FromCache);
            Assert.True(first.Reports > 0);
        }
        var second = new CountingProgress();
        using (var corpus = await TokenCorpus.OpenAsync(file, options, second))
        {
            Assert.True(corpus.FromCache);
            Assert.Equal(0, second.Reports);
            Assert.Equal(2, corpus.DocumentCount);
            Assert.Equal("Another document.", Tokenizer.Gpt2.Decode(corpus.Tokens(1).ToArray().Select(t => (int)t)));
        }
        Assert.Single(Directory.GetFiles(_folder.Cache, "*.tokens"));
    }

    [Fact]
    public async Task Changed_content_gets_a_new_cache()
    {
        var file = _folder.Write("a.txt", "Version one.");
        var options = new CorpusOptions(_folder.Cache);
        using (var corpus = await TokenCorpus.OpenAsync(file, options)) Assert.False(corpus.FromCache);
        File.WriteAllText(file, "Version two.");
        using (var corpus = await TokenCorpus.OpenAsync(file, options))
        {
            Assert.False(corpus.FromCache);
            Assert.Equal("Version two.", Tokenizer.Gpt2.Decode(corpus.Tokens(0).ToArray().Select(t => (int)t)));
        }
        Assert.Equal(2, Directory.GetFiles(_folder.Cache, "*.tokens").Length);
    }

    [Fact]
    public async Task A_damaged_cache_is_rebuilt()
    {
        var file = _folder.Write("a.txt", "Some text here.");
        var options = new CorpusOptions(_folder.Cache);
        string path;
        using (var corpus = await TokenCorpus.OpenAsync(file, options)) path = corpus.CachePath;
        File.WriteAllBytes(path, new byte[100]);
        using (var corpus = await TokenCorpus.OpenAsync(file, options))
        {
            Assert.False(corpus.FromCache);
            Assert.Equal(1, corpus.DocumentCount);
        }
    }

    [Fact]
    public async Task Concurrent_opens_of_the_same_content_agree()
    {
        var options = new CorpusOptions(_folder.Cache, new SyntheticCorpusOptions(Documents: 300));
        var corpora = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => TokenCorpus.OpenAsync("synthetic", options))));
        try
        {
            Assert.All(corpora, c => Assert.Equal(corpora[0].TokenCount, c.TokenCount));
            Assert.Single(corpora, c => !c.FromCache); // one tokenized, the others waited and mapped its file
            Assert.Single(Directory.GetFiles(_folder.Cache, "*.tokens"));
        }
        finally
        {
            foreach (var c in corpora) c.Dispose();
        }
    }

    [Fact]
    public void Cache_directory_is_the_option_else_HIVETRAIN_CACHE_else_the_home_cache()
    {
        Assert.Equal(Path.Combine(_folder.Path, "tokens"), new CorpusOptions().ResolveCacheDirectory(_ => _folder.Path));
        Assert.Equal(_folder.Cache, new CorpusOptions(_folder.Cache).ResolveCacheDirectory(_ => "/elsewhere"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "hivetrain", "tokens"), new CorpusOptions().ResolveCacheDirectory(_ => null));
    }

    [Fact]
    public async Task Splits_are_disjoint_cover_the_corpus_and_do_not_depend_on_order()
    {
        var texts = Enumerable.Range(0, 400).Select(i => $"Document number {i} about topic {i % 7}.").ToArray();
        var options = new CorpusOptions(_folder.Cache);
        var forward = await SplitTexts(_folder.Write("forward.txt", string.Join("\n\n", texts)), options);
        var backward = await SplitTexts(_folder.Write("backward.txt", string.Join("\n\n", texts.Reverse())), options);

        Assert.Equal(texts.Length, forward.Values.Sum(s => s.Count));
        Assert.Equal(texts.Length, forward.Values.SelectMany(s => s).Distinct().Count());
        Assert.InRange(forward[SplitName.Train].Count, 320, 390);
        foreach (var name in Enum.GetValues<SplitName>())
            Assert.Equal(forward[name].Order(), backward[name].Order());
    }

    private static async Task<Dictionary<SplitName, List<string>>> SplitTexts(string file, CorpusOptions options)
    {
        using var corpus = await TokenCorpus.OpenAsync(file, options);
        return Enum.GetValues<SplitName>().ToDictionary(name => name, name =>
        {
            var split = corpus.Split(name);
            return Enumerable.Range(0, split.DocumentCount).Select(i => Tokenizer.Gpt2.Decode(split.Document(i).ToArray().Select(t => (int)t))).ToList();
        });
    }

    [Fact]
    public async Task A_compacted_corpus_holds_the_same_tokens_renumbered_in_order_with_end_of_text_last()
    {
        var file = _folder.Write("a.txt", "the cat sat on the mat\n\nthe dog sat on the log\n\na cat and a dog");
        var options = new CorpusOptions(_folder.Cache);
        using var corpus = await TokenCorpus.OpenAsync(file, options);
        Assert.False(corpus.IsCompacted);
        Assert.Equal((Tokenizer.VocabularySize, Tokenizer.EndOfText), (corpus.VocabularySize, corpus.EndOfText));

        using var compact = await corpus.CompactAsync();
        var used = Enumerable.Range(0, corpus.DocumentCount).SelectMany(d => corpus.Tokens(d).ToArray()).Append((ushort)Tokenizer.EndOfText)
            .Distinct().Order().ToList();
        Assert.True(compact.IsCompacted);
        Assert.Equal(used.Count, compact.VocabularySize);
        Assert.Equal(used.Count - 1, compact.EndOfText);
        Assert.Equal(corpus.DocumentCount, compact.DocumentCount);
        for (int d = 0; d < corpus.DocumentCount; d++)
            Assert.Equal(corpus.Tokens(d).ToArray().Select(t => (ushort)used.IndexOf(t)), compact.Tokens(d).ToArray());

        // Packed windows separate documents with the compacted end-of-text, and every id fits the vocabulary.
        var split = Enum.GetValues<SplitName>().Select(compact.Split).First(s => s.DocumentCount > 0);
        var windows = split.Windows(1).Next(4, 8);
        Assert.All(windows.Ids, id => Assert.InRange(id, 0, compact.VocabularySize - 1));
        Assert.Contains(compact.EndOfText, windows.Ids);

        // A second compaction maps the cache written by the first; a compacted corpus is not compacted again.
        using var again = await corpus.CompactAsync();
        Assert.True(again.FromCache);
        Assert.Throws<InvalidOperationException>(() => compact.CompactAsync().GetAwaiter().GetResult());
    }
}
