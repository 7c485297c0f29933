using System.Text.Json.Serialization;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>The JSON shapes of the Hub's HTTP API (see shared/reference/huggingface-hub-api.md).</summary>
internal static class HubWire
{
    internal sealed record CreateRepoRequest(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("organization")] string Organization,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("visibility")] string Visibility);

    /// <summary>The body of <c>PUT api/models/{repo}/settings</c> that changes the visibility.</summary>
    internal sealed record VisibilitySettings([property: JsonPropertyName("private")] bool Private);

    internal sealed record PreuploadRequest([property: JsonPropertyName("files")] IReadOnlyList<PreuploadFile> Files);

    internal sealed record PreuploadFile(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("sample")] string Sample,
        [property: JsonPropertyName("size")] long Size);

    internal sealed record PreuploadResponse([property: JsonPropertyName("files")] IReadOnlyList<PreuploadVerdict>? Files);

    internal sealed record PreuploadVerdict(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("uploadMode")] string UploadMode,
        [property: JsonPropertyName("shouldIgnore")] bool ShouldIgnore,
        [property: JsonPropertyName("oid")] string? Oid);

    internal sealed record LfsBatchRequest(
        [property: JsonPropertyName("operation")] string Operation,
        [property: JsonPropertyName("transfers")] IReadOnlyList<string> Transfers,
        [property: JsonPropertyName("objects")] IReadOnlyList<LfsObject> Objects,
        [property: JsonPropertyName("hash_algo")] string HashAlgo,
        [property: JsonPropertyName("ref")] LfsRef Ref);

    internal sealed record LfsRef([property: JsonPropertyName("name")] string Name);

    internal sealed record LfsObject(
        [property: JsonPropertyName("oid")] string Oid,
        [property: JsonPropertyName("size")] long Size);

    internal sealed record LfsBatchResponse(
        [property: JsonPropertyName("transfer")] string? Transfer,
        [property: JsonPropertyName("objects")] IReadOnlyList<LfsBatchObject>? Objects);

    internal sealed record LfsBatchObject(
        [property: JsonPropertyName("oid")] string Oid,
        [property: JsonPropertyName("size")] long Size,
        [property: JsonPropertyName("actions")] LfsActions? Actions,
        [property: JsonPropertyName("error")] LfsError? Error);

    internal sealed record LfsActions(
        [property: JsonPropertyName("upload")] LfsAction? Upload,
        [property: JsonPropertyName("verify")] LfsAction? Verify);

    internal sealed record LfsAction(
        [property: JsonPropertyName("href")] string Href,
        [property: JsonPropertyName("header")] IReadOnlyDictionary<string, string>? Header);

    internal sealed record LfsError(
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("message")] string? Message);

    internal sealed record MultipartCompletion(
        [property: JsonPropertyName("oid")] string Oid,
        [property: JsonPropertyName("parts")] IReadOnlyList<MultipartPart> Parts);

    internal sealed record MultipartPart(
        [property: JsonPropertyName("partNumber")] int PartNumber,
        [property: JsonPropertyName("etag")] string Etag);

    internal sealed record CommitResponse(
        [property: JsonPropertyName("commitUrl")] string? CommitUrl,
        [property: JsonPropertyName("commitOid")] string? CommitOid);

    internal sealed record Refs([property: JsonPropertyName("branches")] IReadOnlyList<Branch>? Branches);

    internal sealed record Branch(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("ref")] string? Ref,
        [property: JsonPropertyName("targetCommit")] string TargetCommit);

    internal sealed record Commit(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("title")] string? Title,
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("date")] DateTimeOffset Date);

    internal sealed record TreeEntry(
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("oid")] string? Oid,
        [property: JsonPropertyName("size")] long Size,
        [property: JsonPropertyName("lfs")] TreeLfs? Lfs);

    internal sealed record TreeLfs(
        [property: JsonPropertyName("oid")] string Oid,
        [property: JsonPropertyName("size")] long Size);

    /// <summary>One repository of <c>GET api/models?filter=…&amp;expand=sha&amp;expand=lastModified</c>.</summary>
    internal sealed record ModelListing(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("sha")] string? Sha,
        [property: JsonPropertyName("lastModified")] DateTimeOffset? LastModified);

    internal sealed record ErrorBody([property: JsonPropertyName("error")] string? Error);
}
