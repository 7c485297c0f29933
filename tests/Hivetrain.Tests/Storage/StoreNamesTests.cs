using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage;

public sealed class StoreNamesTests
{
    [Theory]
    [InlineData("miner-1/delta")]
    [InlineData("openai-community/gpt2")]
    [InlineData("a/b.c_d")]
    public void Accepts_owner_name_ids(string id) => StoreNames.ValidateRepositoryId(id);

    [Theory]
    [InlineData("")]
    [InlineData("gpt2")]
    [InlineData("a/b/c")]
    [InlineData("../x")]
    [InlineData("a/..")]
    [InlineData("/abs")]
    [InlineData("a/.hidden")]
    [InlineData("a/b c")]
    [InlineData("a/b\\c")]
    [InlineData("a/b..c")]
    [InlineData("a/b--c")]
    [InlineData("a/b-")]
    public void Rejects_unsafe_repository_ids(string id) =>
        Assert.Equal(StoreErrorReason.InvalidArgument, Assert.Throws<StoreException>(() => StoreNames.ValidateRepositoryId(id)).Reason);

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("h/0/attn.bin")]
    [InlineData(".gitattributes")]
    public void Accepts_relative_paths(string path) => StoreNames.ValidateFilePath(path);

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../x")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a\\b")]
    [InlineData("a\nb")]
    [InlineData("C:x")]
    public void Rejects_unsafe_paths(string path) =>
        Assert.Equal(StoreErrorReason.InvalidArgument, Assert.Throws<StoreException>(() => StoreNames.ValidateFilePath(path)).Reason);
}
