using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage;

/// <summary>
/// Commits generation after generation to two repositories (child side), and checks a store left by a
/// killed child (parent side): every revision holds exactly the files of one generation.
/// </summary>
internal static class CrashWorkload
{
    public static readonly string[] Repos = ["crash/alpha", "crash/beta"];

    /// <summary>The child: commits forever; with <paramref name="crashAt"/>, kills itself at that step of its third commit.</summary>
    public static async Task CommitForeverAsync(string root, LocalStoreStep? crashAt)
    {
        var store = new LocalStore(root);
        var commits = 0;
        if (crashAt is { } step)
            store.StepHook = s =>
            {
                if (s == step && commits == 2)
                    Process.GetCurrentProcess().Kill();
            };
        var gens = new long[Repos.Length];
        for (var i = 0; i < Repos.Length; i++)
        {
            await store.CreateRepositoryAsync(Repos[i], default);
            var head = await store.GetLatestRevisionAsync(Repos[i], default);
            gens[i] = head is null ? -1 : await ReadGenerationAsync(store, Repos[i], i, head);
        }
        while (true)
            for (var i = 0; i < Repos.Length; i++)
            {
                var gen = gens[i] + 1;
                await store.CommitAsync(Repos[i], Files(i, gen), $"generation {gen}", expectedParent: null, default);
                commits++;
                gens[i] = gen;
                Console.WriteLine($"committed {i} {gen}");
            }
    }

    public static IReadOnlyList<CommitFile> Files(int repo, long gen)
    {
        var payload = Payload(repo, gen);
        var files = new List<CommitFile>
        {
            CommitFile.FromBytes("payload.bin", payload),
            CommitFile.FromBytes("gen.txt", Encoding.ASCII.GetBytes(gen.ToString(CultureInfo.InvariantCulture))),
            CommitFile.FromBytes("meta/info.json", JsonSerializer.SerializeToUtf8Bytes(new Info(gen, Convert.ToHexStringLower(SHA256.HashData(payload))))),
        };
        if (gen == 0)
            files.Add(CommitFile.FromBytes("stable.bin", Stable));
        return files;
    }

    /// <summary>Reads every file of a revision and returns its generation; throws if the files are not all of one generation.</summary>
    public static async Task<long> ReadGenerationAsync(IModelStore store, string repoId, int repo, string revision)
    {
        var gen = long.Parse(Encoding.ASCII.GetString(await ReadAsync(store, repoId, revision, "gen.txt")), CultureInfo.InvariantCulture);
        var payload = await ReadAsync(store, repoId, revision, "payload.bin");
        var info = JsonSerializer.Deserialize<Info>(await ReadAsync(store, repoId, revision, "meta/info.json"))!;
        var stable = await ReadAsync(store, repoId, revision, "stable.bin");
        var paths = (await store.ListFilesAsync(repoId, revision, default)).Order(StringComparer.Ordinal);
        if (!payload.AsSpan().SequenceEqual(Payload(repo, gen)) || info.Gen != gen
            || info.Sha256 != Convert.ToHexStringLower(SHA256.HashData(payload)) || !stable.AsSpan().SequenceEqual(Stable)
            || !paths.SequenceEqual(["gen.txt", "meta/info.json", "payload.bin", "stable.bin"]))
            throw new InvalidDataException($"{repoId} revision {revision} mixes generations or lost a file (gen.txt says {gen})");
        return gen;
    }

    /// <summary>Checks the whole history (newest first: consecutive generations down to 0) and returns the head's generation, or -1.</summary>
    public static async Task<long> VerifyAsync(IModelStore store, int repo)
    {
        var history = await store.ListRevisionsAsync(Repos[repo], null, default);
        for (var i = 0; i < history.Count; i++)
        {
            var gen = await ReadGenerationAsync(store, Repos[repo], repo, history[i].Revision);
            if (gen != history.Count - 1 - i)
                throw new InvalidDataException($"{Repos[repo]}: revision {i} from the head holds generation {gen}, expected {history.Count - 1 - i}");
        }
        return history.Count - 1;
    }

    private static async Task<byte[]> ReadAsync(IModelStore store, string repoId, string revision, string path)
    {
        await using var stream = await store.OpenReadAsync(repoId, revision, path, default);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static byte[] Payload(int repo, long gen)
    {
        var random = new Random(repo * 1_000_003 + (int)gen);
        var bytes = new byte[1 + random.Next(192 * 1024)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static readonly byte[] Stable = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();

    private sealed record Info(long Gen, string Sha256);
}
