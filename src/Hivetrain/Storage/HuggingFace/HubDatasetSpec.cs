namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// A dataset on the Hub named as <c>huggingface_hub</c>'s <c>HfFileSystem</c> names it:
/// <c>hf://datasets/OWNER/NAME[@REVISION][/PATH-OR-GLOB]</c> (a revision with slashes, such as
/// <c>refs/convert/parquet</c>, percent-encoded: <c>@refs%2Fconvert%2Fparquet</c>). No path means the whole repository;
/// a path names a file or a folder; a glob (<c>*</c> within a folder, <c>**</c> across folders, <c>?</c>) picks files.
/// </summary>
public sealed record HubDatasetSpec(string RepoId, string? Revision, string? Path)
{
    public const string Scheme = "hf://datasets/";

    /// <summary>Whether <paramref name="spec"/> asks for a Hub dataset at all (a malformed one still does, and fails in <see cref="Parse"/>).</summary>
    public static bool IsHubDataset(string spec) => spec.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses a <c>hf://datasets/…</c> spec; a malformed one fails with <see cref="StoreErrorReason.InvalidArgument"/> saying what is expected.</summary>
    public static HubDatasetSpec Parse(string spec)
    {
        if (!IsHubDataset(spec)) throw Invalid(spec, $"it does not start with {Scheme}");
        var parts = spec[Scheme.Length..].Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0) throw Invalid(spec, "it names no OWNER/NAME");
        var (name, revision) = parts[1].IndexOf('@') is var at and >= 0 ? (parts[1][..at], Uri.UnescapeDataString(parts[1][(at + 1)..])) : (parts[1], null);
        if (revision is "") throw Invalid(spec, "the revision after '@' is empty");
        var repoId = parts[0] + "/" + name;
        try { HubClient.Split(repoId); }
        catch (StoreException e) { throw Invalid(spec, e.Message); }
        var path = parts.Length == 3 ? parts[2].Trim('/') : null;
        return new HubDatasetSpec(repoId, revision, string.IsNullOrEmpty(path) ? null : path);
    }

    public override string ToString() =>
        Scheme + RepoId + (Revision is null ? "" : "@" + Uri.EscapeDataString(Revision)) + (Path is null ? "" : "/" + Path);

    private static StoreException Invalid(string spec, string why) =>
        new(StoreErrorReason.InvalidArgument, $"'{spec}' is not a Hub dataset ({why}); expected {Scheme}OWNER/NAME[@REVISION][/PATH-OR-GLOB]");
}
