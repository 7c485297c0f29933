namespace Hivetrain.Data;

/// <summary>Resolves a corpus path to its input files: the file itself, or a folder's corpus files, sorted, recursive.</summary>
internal static class CorpusFiles
{
    private static readonly string[] Extensions = [".txt", ".jsonl", ".parquet"];

    public static IReadOnlyList<string> Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            if (!IsCorpusFile(full))
                throw new CorpusException(CorpusErrorReason.UnsupportedFormat,
                    $"{path}: unsupported corpus file type '{Path.GetExtension(full)}' (expected .txt, .jsonl or .parquet).");
            return [full];
        }
        if (!Directory.Exists(full))
            throw new CorpusException(CorpusErrorReason.NotFound, $"{path}: no such file or folder.");
        string[] files;
        try
        {
            files = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Where(IsCorpusFile).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{path}: cannot list the folder: {e.Message}", e);
        }
        // Ordinal order, so the document order (and so every sample) is the same on every machine.
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
            throw new CorpusException(CorpusErrorReason.EmptyCorpus, $"{path}: the folder holds no .txt, .jsonl or .parquet file.");
        return files;
    }

    private static bool IsCorpusFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);
}
