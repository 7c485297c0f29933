using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>Endpoint, token and cache directory resolved as the official clients resolve them.</summary>
public sealed class HubSettingsTests : IDisposable
{
    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders) Directory.Delete(folder, recursive: true);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private string EmptyFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hivetrain-hub-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        _folders.Add(folder);
        return folder;
    }

    [Fact]
    public void The_cache_is_HF_HUB_CACHE_then_HF_HOME_hub_then_the_user_cache()
    {
        var cwd = EmptyFolder();
        Assert.Equal("/x/cache", HubSettings.Resolve(null, null, null, Env(("HF_HUB_CACHE", "/x/cache"), ("HF_HOME", "/y")), cwd).CacheDirectory);
        Assert.Equal(Path.Combine("/y", "hub"), HubSettings.Resolve(null, null, null, Env(("HF_HOME", "/y")), cwd).CacheDirectory);
        Assert.EndsWith(Path.Combine(".cache", "huggingface", "hub"), HubSettings.Resolve(null, null, null, Env(), cwd).CacheDirectory);
        Assert.Equal("/explicit", HubSettings.Resolve(null, null, "/explicit", Env(("HF_HUB_CACHE", "/x")), cwd).CacheDirectory);
    }

    [Fact]
    public void The_endpoint_comes_from_HF_ENDPOINT_else_the_public_Hub()
    {
        var cwd = EmptyFolder();
        Assert.Equal(new Uri("http://127.0.0.1:8080"), HubSettings.Resolve(null, null, null, Env(("HF_ENDPOINT", "http://127.0.0.1:8080/")), cwd).Endpoint);
        Assert.Equal(HubSettings.DefaultEndpoint, HubSettings.Resolve(null, null, null, Env(), cwd).Endpoint);
    }

    [Fact]
    public void The_token_comes_from_HF_TOKEN_then_dot_env_then_the_token_file()
    {
        var cwd = EmptyFolder();
        var home = EmptyFolder();
        File.WriteAllText(Path.Combine(home, "token"), "hf_fromfile\n");
        Assert.Equal("hf_fromfile", HubSettings.Resolve(null, null, null, Env(("HF_HOME", home)), cwd).Token);
        File.WriteAllText(Path.Combine(cwd, ".env"), "OTHER=1\nexport HF_TOKEN=\"hf_fromdotenv\"\n");
        Assert.Equal("hf_fromdotenv", HubSettings.Resolve(null, null, null, Env(("HF_HOME", home)), cwd).Token);
        Assert.Equal("hf_fromenv", HubSettings.Resolve(null, null, null, Env(("HF_HOME", home), ("HF_TOKEN", "hf_fromenv")), cwd).Token);
        Assert.Equal("hf_explicit", HubSettings.Resolve(null, "hf_explicit", null, Env(("HF_TOKEN", "hf_fromenv")), cwd).Token);
        Assert.Null(HubSettings.Resolve(null, null, null, Env(("HF_HOME", EmptyFolder())), EmptyFolder()).Token);
    }

    [Fact]
    public async Task An_endpoint_with_a_path_prefix_keeps_it()
    {
        var seen = new List<Uri>();
        var transport = new RecordingHandler(seen);
        using var store = new HuggingFaceStore(new HubSettings(new Uri("http://127.0.0.1:9/hf"), "hf_x", EmptyFolder()), transport: transport);
        await Assert.ThrowsAsync<StoreException>(() => store.GetLatestRevisionAsync("a/b", CancellationToken.None));
        Assert.Equal("/hf/api/models/a/b/refs", seen[0].AbsolutePath);
    }

    private sealed class RecordingHandler(List<Uri> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NotFound) { RequestMessage = request });
        }
    }

    [Fact]
    public void Settings_never_print_the_token()
    {
        var settings = new HubSettings(HubSettings.DefaultEndpoint, "hf_secret", "/c");
        Assert.DoesNotContain("hf_secret", settings.ToString());
        Assert.DoesNotContain("hf_secret", new StorageSettings("hf", HubToken: "hf_secret").ToString());
    }

    [Fact]
    public void The_factory_builds_the_named_backend()
    {
        var hub = ModelStoreFactory.Create(new StorageSettings("hf", HubEndpoint: "http://127.0.0.1:1", HubToken: "hf_x", CacheDirectory: EmptyFolder()),
            _ => throw new InvalidOperationException("local not expected"));
        Assert.IsType<HuggingFaceStore>(hub);
        ((IDisposable)hub).Dispose();
        string? asked = "unset";
        Assert.Throws<InvalidOperationException>(() => ModelStoreFactory.Create(new StorageSettings("local", LocalDirectory: "/data"),
            dir => { asked = dir; throw new InvalidOperationException("local store built by its layer"); }));
        Assert.Equal("/data", asked);
        Assert.Equal(StoreErrorReason.InvalidArgument,
            Assert.Throws<StoreException>(() => ModelStoreFactory.Create(new StorageSettings("s3"), _ => null!)).Reason);
    }
}
