using System.Buffers.Binary;
using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// The chaos run's hostile participant: a registered hotkey that, turn by turn, commits a repository that does not
/// exist (<see cref="GhostRepository"/>), then publishes to its own repository a delta file larger than any valid delta
/// for the model, an honest miner's latest delta cut in half, and a file whose header claims more bytes than the file
/// holds. Each publish first commits its repository, so every validator and the averager fetch the file.
/// </summary>
internal sealed class HostileParticipant(LocalStore store, SqliteLedger ledger, Keypair hotkey, string baseRepository)
{
    public const string HotkeyName = "hostile";
    public const string Repository = "hostile/delta";
    public const string GhostRepository = "ghost/repo";

    /// <summary>The attacks, in the order they take turns.</summary>
    public static IReadOnlyList<string> Attacks { get; } = ["ghost_repository", "oversize_file", "truncated_delta", "lying_header"];

    private static readonly Dictionary<string, string> Described = new()
    {
        ["oversize_file"] = "an oversize file",
        ["truncated_delta"] = "a truncated delta",
        ["lying_header"] = "a lying header",
    };

    private readonly Dictionary<string, int> _done = Attacks.ToDictionary(a => a, _ => 0);
    private int _turn;

    /// <summary>How many times each attack was made.</summary>
    public IReadOnlyDictionary<string, int> Done => _done;

    /// <summary>Creates the hostile hotkey in the network's wallets, registers it and creates its repository.</summary>
    public static async Task<HostileParticipant> JoinAsync(LocalStore store, SqliteLedger ledger, string wallets, string baseRepository, CancellationToken ct)
    {
        var hotkey = File.Exists(Wallet.HotkeyPath(wallets, "default", HotkeyName))
            ? Wallet.LoadHotkey(wallets, "default", HotkeyName)
            : Wallet.CreateHotkey(wallets, "default", HotkeyName);
        await ledger.RegisterAsync(hotkey, ct);
        await store.CreateRepositoryAsync(Repository, ct);
        return new HostileParticipant(store, ledger, hotkey, baseRepository);
    }

    /// <summary>Makes the next attack (honest deltas are taken from <paramref name="honestRepositories"/>); returns what it did.</summary>
    public async Task<string> ActAsync(IReadOnlyList<string> honestRepositories, CancellationToken ct)
    {
        var attack = Attacks[_turn++ % Attacks.Count];
        if (attack == "ghost_repository")
        {
            await ledger.SetCommitmentAsync(hotkey, GhostRepository, ct);
            _done[attack]++;
            return $"committed {GhostRepository}";
        }
        byte[] content = attack switch
        {
            "oversize_file" => new byte[await OversizeBytesAsync(ct)],
            "truncated_delta" => await TruncatedDeltaAsync(honestRepositories, ct),
            _ => LyingHeader(),
        };
        await ledger.SetCommitmentAsync(hotkey, Repository, ct);
        await store.CommitAsync(Repository, [CommitFile.FromBytes(ProtocolFiles.Delta, content)], attack, expectedParent: null, ct);
        await store.PruneAsync(Repository, 1, ct); // its own repository: only what the validators must still see
        _done[attack]++;
        return $"published {Described[attack]} of {content.Length:N0} bytes";
    }

    /// <summary>One MiB more than the largest valid delta for the latest base's model can be.</summary>
    private async Task<int> OversizeBytesAsync(CancellationToken ct)
    {
        var latest = await BaseModel.LatestAsync(store, baseRepository, ct)
            ?? throw new InvalidOperationException("no base model yet: the hostile participant acts once round 0 is published");
        var config = GptConfig.FromHuggingFaceJson(await File.ReadAllTextAsync(
            await store.GetLocalPathAsync(baseRepository, latest.Revision, Checkpoint.ConfigFile, ct), ct));
        var bound = DeltaSizeBound.For(ParameterShape.For(config).ToDictionary(p => p.Name, p => p.Shape));
        return checked((int)(bound + (1 << 20)));
    }

    /// <summary>The first half of the newest honest delta in the store (random-looking bytes when there is none yet).</summary>
    private async Task<byte[]> TruncatedDeltaAsync(IReadOnlyList<string> honestRepositories, CancellationToken ct)
    {
        foreach (var repo in honestRepositories)
        {
            try
            {
                if (await store.GetLatestRevisionAsync(repo, ct) is not { } revision) continue;
                var bytes = await File.ReadAllBytesAsync(await store.GetLocalPathAsync(repo, revision, ProtocolFiles.Delta, ct), ct);
                return bytes[..(bytes.Length / 2)];
            }
            catch (Exception e) when (e is StoreException or IOException)
            {
                // Not created yet, or pruned while read: try the next one.
            }
        }
        return Enumerable.Range(0, 4096).Select(i => (byte)(i * 131 + 7)).ToArray();
    }

    /// <summary>A safetensors header length of a terabyte, in front of a few bytes of JSON.</summary>
    private static byte[] LyingHeader()
    {
        var content = new byte[64];
        BinaryPrimitives.WriteInt64LittleEndian(content, 1L << 40);
        "{\"wte.weight\":{\"dtype\":\"F32\""u8.CopyTo(content.AsSpan(8));
        return content;
    }
}
