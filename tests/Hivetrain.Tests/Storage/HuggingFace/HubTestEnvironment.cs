using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>A fake Hub, a private cache folder and a recording logger for one test.</summary>
internal sealed class HubTestEnvironment : IAsyncDisposable
{
    private readonly List<HuggingFaceStore> _stores = [];

    private HubTestEnvironment(FakeHubServer server, string folder)
    {
        Server = server;
        Folder = folder;
    }

    public FakeHubServer Server { get; }
    public string Folder { get; }
    public string CacheDirectory => Path.Combine(Folder, "hub-cache");
    public RecordingLogger Log { get; } = new();

    public static async Task<HubTestEnvironment> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hivetrain-hub-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return new HubTestEnvironment(await FakeHubServer.StartAsync(), folder);
    }

    public HubSettings Settings(string? cacheDirectory = null, string token = FakeHubServer.Token) =>
        new(Server.Endpoint, token, cacheDirectory ?? CacheDirectory)
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetries = 3,
            PollInterval = TimeSpan.FromMilliseconds(20),
        };

    public HuggingFaceStore Store(HubSettings? settings = null, HttpMessageHandler? transport = null)
    {
        var store = new HuggingFaceStore(settings ?? Settings(), Log, transport);
        _stores.Add(store);
        return store;
    }

    public string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(Folder, "inputs", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores) store.Dispose();
        await Server.DisposeAsync();
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Keeps every log line and exception text, to check what was (not) written.</summary>
internal sealed class RecordingLogger : ILogger<HuggingFaceStore>
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " | " + exception));
}
