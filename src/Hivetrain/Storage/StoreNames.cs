using System.Buffers;

namespace Hivetrain.Storage;

/// <summary>
/// The names a store accepts: repository ids (<c>owner/name</c>, as on the Hugging Face Hub) and file
/// paths inside a repository. Both become directory and file names, so both are checked before use.
/// </summary>
public static class StoreNames
{
    /// <summary>Longest owner or name segment of a repository id (the Hub's limit).</summary>
    public const int MaxRepositorySegment = 96;

    /// <summary>Longest file path inside a repository.</summary>
    public const int MaxFilePath = 1024;

    private static readonly SearchValues<char> RepositoryChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private static readonly SearchValues<char> PathChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+=@,");

    /// <summary>Throws <see cref="StoreErrorReason.InvalidArgument"/> unless <paramref name="repoId"/> is <c>owner/name</c> with safe segments.</summary>
    public static void ValidateRepositoryId(string? repoId)
    {
        if (string.IsNullOrEmpty(repoId))
            throw Invalid("a repository id is required (owner/name)");
        var parts = repoId.Split('/');
        if (parts.Length != 2)
            throw Invalid($"repository id '{repoId}' must be owner/name (exactly one '/')");
        foreach (var part in parts)
        {
            if (part.Length == 0 || part.Length > MaxRepositorySegment)
                throw Invalid($"repository id '{repoId}': each part must be 1 to {MaxRepositorySegment} characters");
            if (part.AsSpan().IndexOfAnyExcept(RepositoryChars) >= 0)
                throw Invalid($"repository id '{repoId}': only letters, digits, '.', '_' and '-' are allowed");
            if (!char.IsAsciiLetterOrDigit(part[0]) || !char.IsAsciiLetterOrDigit(part[^1]))
                throw Invalid($"repository id '{repoId}': each part must start and end with a letter or digit");
            if (part.Contains("..", StringComparison.Ordinal) || part.Contains("--", StringComparison.Ordinal))
                throw Invalid($"repository id '{repoId}': '..' and '--' are not allowed");
        }
    }

    /// <summary>Throws <see cref="StoreErrorReason.InvalidArgument"/> unless <paramref name="path"/> is a safe relative path.</summary>
    public static void ValidateFilePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
            throw Invalid("a file path is required");
        if (path.Length > MaxFilePath)
            throw Invalid($"file path is longer than {MaxFilePath} characters");
        if (path[0] == '/')
            throw Invalid($"file path '{path}' must be relative");
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
                throw Invalid($"file path '{path}' has an empty segment");
            if (segment is "." or "..")
                throw Invalid($"file path '{path}' must not contain '.' or '..' segments");
            var bad = segment.AsSpan().IndexOfAnyExcept(PathChars);
            if (bad >= 0)
                throw Invalid($"file path '{path}' contains the character U+{(int)segment[bad]:X4}; allowed are letters, digits and ._-+=@,");
        }
    }

    private static StoreException Invalid(string message) => new(StoreErrorReason.InvalidArgument, message);
}
