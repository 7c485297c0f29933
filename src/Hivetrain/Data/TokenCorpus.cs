using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Hivetrain.Model;
using Hivetrain.Storage;

namespace Hivetrain.Data;

/// <summary>
/// A tokenized corpus, memory-mapped from its token cache: documents as uint16 GPT-2 ids, each with its
/// split, shard key and group. The first open of some content tokenizes it; later opens map the cache.
/// A compacted corpus (<see cref="CompactAsync"/>) holds the same tokens renumbered to the ones it uses.
/// </summary>
public sealed class TokenCorpus : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly unsafe ushort* _tokens;
    private readonly long[] _starts;
    private readonly DocumentRecord[] _records;
    private bool _disposed;

    private unsafe TokenCorpus(string path, string description, bool fromCache, MemoryMappedFile file, MemoryMappedViewAccessor view,
        long[] starts, DocumentRecord[] records, (int Size, int EndOfText) vocabulary)
    {
        CachePath = path;
        VocabularySize = vocabulary.Size;
        EndOfText = vocabulary.EndOfText;
        Description = description;
        FromCache = fromCache;
        _file = file;
        _view = view;
        _starts = starts;
        _records = records;
        GroupCount = records.Max(r => r.Group) + 1;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _tokens = (ushort*)(pointer + view.PointerOffset + TokenCacheLayout.HeaderBytes);
    }

    /// <summary>The token cache file this corpus maps.</summary>
    public string CachePath { get; }
    /// <summary>What was opened (the spec, or the synthetic options).</summary>
    public string Description { get; }
    /// <summary>Whether the cache already existed (nothing was tokenized).</summary>
    public bool FromCache { get; }
    public int DocumentCount => _records.Length;
    public long TokenCount => _starts[^1];
    /// <summary>One more than the largest group (source file index, or synthetic dialect).</summary>
    public int GroupCount { get; }
    /// <summary>Ids run from 0 to this − 1: GPT-2's 50,257, or the count of distinct tokens of a compacted corpus.</summary>
    public int VocabularySize { get; }
    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, which separates documents in packed windows.</summary>
    public int EndOfText { get; }
    /// <summary>Whether the ids are renumbered (<see cref="CompactAsync"/>).</summary>
    public bool IsCompacted => VocabularySize != Tokenizer.VocabularySize;

    /// <summary>
    /// Opens <paramref name="spec"/>: a .txt/.jsonl/.parquet file, a folder of them, <c>synthetic</c>
    /// (with <see cref="CorpusOptions.Synthetic"/>), or <c>synthetic:documents=N,dialects=N,seed=N</c>.
    /// </summary>
    /// <exception cref="CorpusException">The inputs are missing, unreadable, malformed or empty.</exception>
    public static async Task<TokenCorpus> OpenAsync(string spec, CorpusOptions? options = null,
        IProgress<CorpusProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new CorpusOptions();
        return await OpenAsync(await CorpusSource.ResolveAsync(spec, options, cancellationToken), options, progress, cancellationToken);
    }

    /// <summary>
    /// Opens corpus <paramref name="files"/> (.txt/.jsonl/.parquet, in this order, each its own group) that lie under
    /// <paramref name="root"/>, such as a Hub dataset's downloaded files; <paramref name="description"/> names them in messages.
    /// </summary>
    /// <exception cref="CorpusException">The files are missing, unreadable, malformed or empty.</exception>
    public static async Task<TokenCorpus> OpenFilesAsync(string description, string root, IReadOnlyList<string> files, CorpusOptions? options = null,
        IProgress<CorpusProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await OpenAsync(await CorpusSource.FilesAsync(description, root, files, cancellationToken), options ?? new CorpusOptions(), progress, cancellationToken);

    private static async Task<TokenCorpus> OpenAsync(CorpusSource source, CorpusOptions options, IProgress<CorpusProgress>? progress, CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.ResolveCacheDirectory(), source.Key + ".tokens");
        var cached = TryMap(path, source.Description, fromCache: true);
        if (cached is not null) return cached;
        await using var gate = await CacheLock.AcquireAsync(path + ".lock", cancellationToken);
        cached = TryMap(path, source.Description, fromCache: true); // written while we waited
        if (cached is not null) return cached;
        await TokenCacheWriter.WriteAsync(source, path, progress, cancellationToken);
        return TryMap(path, source.Description, fromCache: false)
            ?? throw new CorpusException(CorpusErrorReason.Unreadable, $"{path}: the token cache just written does not read back.");
    }

    /// <summary>
    /// The same corpus with its tokens renumbered 0…V−1 in GPT-2 id order, V the number of distinct tokens it uses
    /// (<c>&lt;|endoftext|&gt;</c> included, the last): the same text and the same tokens, for a model whose output
    /// layer has V rows instead of 50,257. The synthetic corpus uses 385 distinct tokens, so a small model's output
    /// layer, nearly all of its compute, shrinks 130-fold. Cached beside this corpus's cache; a separate object to dispose.
    /// </summary>
    public async Task<TokenCorpus> CompactAsync(CancellationToken cancellationToken = default)
    {
        if (IsCompacted) throw new InvalidOperationException("the corpus is compacted already");
        var path = CachePath[..^".tokens".Length] + ".compact.tokens";
        var cached = TryMap(path, CompactDescription, fromCache: true);
        if (cached is not null) return cached;
        await using var gate = await CacheLock.AcquireAsync(path + ".lock", cancellationToken);
        cached = TryMap(path, CompactDescription, fromCache: true);
        if (cached is not null) return cached;
        WriteCompacted(path);
        return TryMap(path, CompactDescription, fromCache: false)
            ?? throw new CorpusException(CorpusErrorReason.Unreadable, $"{path}: the compacted token cache just written does not read back.");
    }

    private string CompactDescription => $"{Description}, its tokens renumbered";

    private unsafe void WriteCompacted(string path)
    {
        var used = new bool[ushort.MaxValue + 1];
        for (long i = 0; i < TokenCount; i++) used[_tokens[i]] = true;
        used[Tokenizer.EndOfText] = true;
        var renumbered = new ushort[used.Length];
        int vocabulary = 0;
        for (int id = 0; id < used.Length; id++)
            if (used[id]) renumbered[id] = (ushort)vocabulary++;
        long count = TokenCount;
        ushort* source = _tokens;
        DurableFile.Write(path, stream =>
        {
            stream.Write(TokenCacheLayout.Header(_records.Length, count, vocabulary, renumbered[Tokenizer.EndOfText]));
            var chunk = new ushort[65536];
            for (long start = 0; start < count; start += chunk.Length)
            {
                int n = (int)Math.Min(chunk.Length, count - start);
                for (int i = 0; i < n; i++) chunk[i] = renumbered[source[start + i]];
                stream.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n))); // native order, as the cache is mapped
            }
            TokenCacheLayout.WriteRecords(stream, count, _records);
        });
    }

    /// <summary>The documents of one split, in corpus order.</summary>
    public TokenSplit Split(SplitName name)
    {
        var documents = new List<int>();
        for (int i = 0; i < _records.Length; i++)
            if (_records[i].Split == name) documents.Add(i);
        return new TokenSplit(this, name, [.. documents], $"{Description} {name.ToString().ToLowerInvariant()}");
    }

    /// <summary>The tokens of document <paramref name="document"/>, in corpus order; valid until disposed.</summary>
    public unsafe ReadOnlySpan<ushort> Tokens(int document)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ReadOnlySpan<ushort>(_tokens + _starts[document], _records[document].Length);
    }

    internal DocumentRecord Record(int document) => _records[document];

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static TokenCorpus? TryMap(string path, string description, bool fromCache)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }

        var header = new byte[TokenCacheLayout.HeaderBytes];
        stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (TokenCacheLayout.ReadHeader(header, stream.Length) is not var (documents, tokens))
        {
            stream.Dispose();
            return null; // a cache from another version or a damaged file: rebuild it
        }
        var records = new DocumentRecord[documents];
        var starts = new long[documents + 1];
        var table = new byte[documents * TokenCacheLayout.RecordBytes];
        stream.Position = TokenCacheLayout.RecordsOffset(tokens);
        stream.ReadExactly(table);
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = TokenCacheLayout.ReadRecord(table.AsSpan(i * TokenCacheLayout.RecordBytes));
            starts[i + 1] = starts[i] + records[i].Length;
        }
        if (starts[^1] != tokens || records.Any(r => r.Length < 0 || r.Split > SplitName.Report))
        {
            stream.Dispose();
            return null;
        }
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        return new TokenCorpus(path, description, fromCache, file, view, starts, records, TokenCacheLayout.ReadVocabulary(header));
    }
}
