using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Hivetrain.Model;

namespace Hivetrain.Data;

/// <summary>A corpus spec resolved to its documents and the content key of its token cache.</summary>
internal sealed class CorpusSource
{
    /// <summary>Version of the cache file layout and split scheme; part of every key.</summary>
    public const int FormatVersion = 1;

    private readonly Func<CancellationToken, IAsyncEnumerable<CorpusDocument>> _documents;

    private CorpusSource(string description, string key, long totalBytes, long totalDocuments,
        Func<CancellationToken, IAsyncEnumerable<CorpusDocument>> documents)
    {
        Description = description;
        Key = key;
        TotalBytes = totalBytes;
        TotalDocuments = totalDocuments;
        _documents = documents;
    }

    public string Description { get; }
    /// <summary>Hex SHA-256 of the inputs' contents, the tokenizer and the format version.</summary>
    public string Key { get; }
    public long TotalBytes { get; }
    public long TotalDocuments { get; }

    public IAsyncEnumerable<CorpusDocument> Documents(CancellationToken cancellationToken) => _documents(cancellationToken);

    public static async Task<CorpusSource> ResolveAsync(string spec, CorpusOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new CorpusException(CorpusErrorReason.BadSpec, "No corpus given (a path, or 'synthetic').");
        if (spec == "synthetic") return Synthetic(options.Synthetic ?? new SyntheticCorpusOptions());
        if (spec.StartsWith("synthetic:", StringComparison.Ordinal))
            return Synthetic(SyntheticCorpusOptions.Parse(spec["synthetic:".Length..], options.Synthetic));
        return await FilesAsync(spec, cancellationToken);
    }

    private static CorpusSource Synthetic(SyntheticCorpusOptions synthetic)
    {
        synthetic.Validate();
        var key = KeyOf($"synthetic grammar={SyntheticCorpus.GrammarVersion} documents={synthetic.Documents} dialects={synthetic.Dialects} seed={synthetic.Seed}");
        return new CorpusSource($"synthetic ({synthetic.Documents} documents, {synthetic.Dialects} dialects, seed {synthetic.Seed})",
            key, 0, synthetic.Documents, _ => SyntheticCorpus.Documents(synthetic).ToAsyncEnumerable());
    }

    private static Task<CorpusSource> FilesAsync(string path, CancellationToken cancellationToken)
    {
        var files = CorpusFiles.Resolve(path);
        string root = files.Count == 1 && File.Exists(Path.GetFullPath(path)) ? Path.GetDirectoryName(files[0])! : Path.GetFullPath(path);
        return FilesAsync(path, root, files, cancellationToken);
    }

    /// <summary>
    /// Given corpus files (in corpus order, each a group of its own), keyed by their paths under <paramref name="root"/>
    /// and their contents, so the same files give the same token cache wherever they lie.
    /// </summary>
    public static async Task<CorpusSource> FilesAsync(string description, string root, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0) throw new CorpusException(CorpusErrorReason.EmptyCorpus, $"{description}: no corpus file.");
        var inputs = new StringBuilder("files");
        long totalBytes = 0;
        foreach (var file in files)
        {
            var (length, digest) = await HashFileAsync(file, cancellationToken);
            totalBytes += length;
            inputs.Append('\n').Append(Path.GetRelativePath(root, file).Replace('\\', '/')).Append('\0').Append(length).Append('\0').Append(digest);
        }
        return new CorpusSource(description, KeyOf(inputs.ToString()), totalBytes, 0, ct => ReadAll(files, ct));
    }

    private static async IAsyncEnumerable<CorpusDocument> ReadAll(IReadOnlyList<string> files, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < files.Count; i++)
            await foreach (var document in CorpusReader.ReadAsync(files[i], Math.Min(i, ushort.MaxValue), cancellationToken))
                yield return document;
    }

    private static async Task<(long Length, string Digest)> HashFileAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var digest = await SHA256.HashDataAsync(stream, cancellationToken);
            return (stream.Length, Convert.ToHexStringLower(digest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{file}: cannot read: {e.Message}", e);
        }
    }

    private static string KeyOf(string inputs) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"hivetrain-tokens format={FormatVersion} tokenizer={Tokenizer.Identity}\n{inputs}")))[..32];
}
