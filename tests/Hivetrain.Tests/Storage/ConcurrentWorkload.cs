using System.Globalization;
using System.Text;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage;

/// <summary>
/// A worker process committing to two shared repositories while reading them: one takes plain commits
/// (each worker owns one file in it), the other compare-and-swap increments of a counter.
/// </summary>
public static class ConcurrentWorkload
{
    public const string Shared = "conc/shared";
    public const string Counter = "conc/counter";

    public static async Task SeedAsync(LocalStore store)
    {
        await store.CreateRepositoryAsync(Shared, default);
        await store.CreateRepositoryAsync(Counter, default);
        await store.CommitAsync(Shared, [CommitFile.FromBytes("README", "shared"u8.ToArray())], "seed", "", default);
        await store.CommitAsync(Counter, [Text("value.txt", "0")], "seed", "", default);
    }

    public static async Task RunWorkerAsync(string root, int worker, int commits)
    {
        var store = new LocalStore(root);
        for (var n = 1; n <= commits; n++)
        {
            await store.CommitAsync(Shared, [Text($"w{worker}/n.txt", n.ToString(CultureInfo.InvariantCulture)), Text("last.txt", $"{worker}:{n}")],
                $"worker {worker} commit {n}", null, default);
            await CheckLatestAsync(store, worker, n);
            await IncrementAsync(store);
        }
    }

    public static async Task<string> ReadTextAsync(IModelStore store, string repo, string revision, string path)
    {
        await using var stream = await store.OpenReadAsync(repo, revision, path, default);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The latest revision must carry this worker's newest file; every listed file must be readable.</summary>
    private static async Task CheckLatestAsync(LocalStore store, int worker, int n)
    {
        var latest = (await store.GetLatestRevisionAsync(Shared, default))!;
        foreach (var path in await store.ListFilesAsync(Shared, latest, default))
            await ReadTextAsync(store, Shared, latest, path);
        var mine = await ReadTextAsync(store, Shared, latest, $"w{worker}/n.txt");
        if (mine != n.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"worker {worker}: latest revision {latest} has n.txt = {mine}, expected {n}");
    }

    private static async Task IncrementAsync(LocalStore store)
    {
        while (true)
        {
            var latest = (await store.GetLatestRevisionAsync(Counter, default))!;
            var value = long.Parse(await ReadTextAsync(store, Counter, latest, "value.txt"), CultureInfo.InvariantCulture);
            try
            {
                await store.CommitAsync(Counter, [Text("value.txt", (value + 1).ToString(CultureInfo.InvariantCulture))], "increment", latest, default);
                return;
            }
            catch (StoreException e) when (e.Reason == StoreErrorReason.Conflict)
            {
                // Another worker moved the head in between: read again and retry.
            }
        }
    }

    private static CommitFile Text(string path, string text) => CommitFile.FromBytes(path, Encoding.UTF8.GetBytes(text));
}
