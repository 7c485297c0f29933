using Hivetrain.Cli.Configuration;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor;
using Hivetrain.Model;
using Hivetrain.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TorchSharp;

namespace Hivetrain.Cli.Hosting;

/// <summary>
/// What every role process needs, built from its settings in one place: logging, the model store and the ledger
/// chosen by <c>--storage.backend</c> and <c>--ledger.backend</c>, the hotkey, the corpus and the state folders.
/// </summary>
internal sealed class RoleHost : IAsyncDisposable
{
    private readonly ILedger _ledger;

    private RoleHost(Settings settings, NetworkLayout layout, ILoggerFactory loggers, IModelStore store, ILedger ledger)
    {
        Settings = settings;
        Layout = layout;
        Loggers = loggers;
        Store = store;
        _ledger = ledger;
    }

    public Settings Settings { get; }
    public NetworkLayout Layout { get; }
    public ILoggerFactory Loggers { get; }
    public IModelStore Store { get; }
    public ILedger Ledger => _ledger;

    public bool LocalLedger => Settings.String("ledger.backend")!.Trim().Equals("local", StringComparison.OrdinalIgnoreCase);

    public string Device => Settings.Required("device");

    public string BaseRepoId => Settings.Required("storage.averaged_model_repo_id");

    /// <summary>The flags every role shares (see docs/roles.md).</summary>
    public static FlagSet DeclareCommonFlags(FlagSet flags) => flags
        .Add("network", "Folder of a network run on this machine: DIR/store, DIR/ledger.db, DIR/wallets, DIR/state", NetworkLayout.DefaultRoot)
        .Add("netuid", "Subnet uid (Bittensor ledger)", 1)
        .Add("wallet.name", "Wallet (coldkey) name", "default")
        .Add("wallet.hotkey", "Hotkey name", "default")
        .Add("wallet.path", "Folder holding the wallets (default: DIR/wallets with the local ledger, ~/.bittensor/wallets otherwise)")
        .Add("storage.backend", "Model store: local (DIR/store) or hf (Hugging Face Hub)", "local")
        .Add("storage.hf_endpoint", "Hub endpoint (default HF_ENDPOINT or https://huggingface.co)")
        .Add("storage.hf_token", "Hub write token (default HF_TOKEN, then HF_TOKEN in ./.env, then $HF_HOME/token); " +
            "prefer those: a value on the command line is visible to other users (ps) and kept in shell history")
        .Add("storage.cache_dir", "Hub download cache (default HF_HUB_CACHE or ~/.cache/huggingface/hub)")
        .Add("storage.squash_history", "On the Hub, a miner squashes its repository's history when it prunes", false)
        .Add("storage.averaged_model_repo_id", "The averager's base model repository", "averager/base")
        .Add("storage.network_tag", "On the Hub, the tag of the network's repositories: each role tags its own, validators list them by it " +
            "(default: hivetrain-NS--NAME of --storage.averaged_model_repo_id)")
        .Add("storage.cache_budget", "Most bytes of Hub downloads this process keeps in its cache (e.g. 50GB, 500MiB); " +
            "after each round it removes its downloads of revisions it no longer uses", "50GB")
        .Add("ledger.backend", "Ledger: local (DIR/ledger.db) or bittensor (subtensor over JSON-RPC)", "local")
        .Add("subtensor.network", "Bittensor network: finney, test or local", "finney")
        .Add("subtensor.chain_endpoint", "Subtensor endpoint (ws://, wss://, http:// or https://); overrides --subtensor.network")
        .Add("device", "Torch device: cpu, cuda, cuda:N", "cpu")
        .Add("threads", "Torch CPU threads (default: libtorch's choice)")
        .Add("data", "Corpus: a .txt/.jsonl/.parquet file, a folder, a Hub dataset hf://datasets/OWNER/NAME[@REVISION][/PATH], or synthetic[:documents=N,dialects=N,seed=N]", "synthetic")
        .Add("cache", "Token cache folder (default $HIVETRAIN_CACHE/tokens or ~/.cache/hivetrain/tokens)")
        .Add("context", "Window length in tokens (default: the model's context)")
        .Add("log.level", "Least log level: trace, debug, information, warning, error", "information")
        .Add("log.format", "Log format: text (one line per event) or json", "text");

    /// <summary>Builds logging, the store and the ledger; a local ledger must exist (see <c>hivetrain network init</c>).</summary>
    public static async Task<RoleHost> OpenAsync(Settings settings, CancellationToken ct)
    {
        var layout = NetworkLayout.At(settings.String("network"));
        if (settings.String("threads") is { Length: > 0 }) torch.set_num_threads(settings.Int("threads"));
        TorchRuntime.Device(settings.Required("device"));
        var loggers = CreateLoggers(settings);
        var store = ModelStoreFactory.Create(StorageSettingsOf(settings, layout), directory => new LocalStore(directory!), loggers);
        ILedger ledger = await OpenLedgerAsync(settings, layout, ct);
        return new RoleHost(settings, layout, loggers, store, ledger);
    }

    /// <summary>
    /// The <c>--storage.*</c> settings; the token is <c>--storage.hf_token</c> from wherever flags come from (command line,
    /// HIVETRAIN_STORAGE__HF_TOKEN, .env, --config), else null so that the Hub client falls back to HF_TOKEN and its files.
    /// </summary>
    public static StorageSettings StorageSettingsOf(Settings settings, NetworkLayout layout) => new(
        settings.Required("storage.backend"), layout.Store, settings.String("storage.hf_endpoint"),
        settings.String("storage.hf_token") is { } token && !string.IsNullOrWhiteSpace(token) ? token.Trim() : null,
        settings.String("storage.cache_dir"), settings.Bool("storage.squash_history"), NetworkTagOf(settings), settings.Bytes("storage.cache_budget"));

    /// <summary><c>--storage.network_tag</c>, else one named after the base repository: every network on the Hub lists only its own.</summary>
    private static string NetworkTagOf(Settings settings)
    {
        var tag = settings.String("storage.network_tag") is { Length: > 0 } given
            ? given.Trim()
            : "hivetrain-" + settings.Required("storage.averaged_model_repo_id").Trim().Replace("/", "--", StringComparison.Ordinal);
        return Storage.HuggingFace.ModelCardTags.IsValid(tag) ? tag
            : throw new SettingsException($"--storage.network_tag: '{tag}' is not a tag (letters, digits, '-', '_', '.', ':'; at most 128)");
    }

    /// <summary>The hotkey named by <c>--wallet.*</c>, which must be registered on the ledger.</summary>
    public async Task<Keypair> RegisteredHotkeyAsync(CancellationToken ct)
    {
        var name = Settings.Required("wallet.name");
        var hotkeyName = Settings.Required("wallet.hotkey");
        var walletPath = Settings.String("wallet.path") is { Length: > 0 } given ? given : LocalLedger ? Layout.Wallets : Wallet.DefaultPath;
        var hotkey = Wallet.LoadHotkey(walletPath, name, hotkeyName);
        var roster = await Ledger.GetRosterAsync(ct);
        if (roster.All(n => n.Hotkey != hotkey.Ss58Address))
            throw new LedgerException(LedgerErrorReason.NotRegistered, LocalLedger
                ? $"hotkey {name}/{hotkeyName} ({hotkey.Ss58Address}) is not registered on {Layout.Ledger}; create it with `hivetrain network init --network {Layout.Root}`"
                : $"hotkey {name}/{hotkeyName} ({hotkey.Ss58Address}) is not registered on subnet {Settings.Int("netuid")}; register it with btcli subnet register");
        return hotkey;
    }

    /// <summary>Opens (tokenizing once, into the shared cache) the corpus named by <c>--data</c>.</summary>
    public Task<TokenCorpus> OpenCorpusAsync(CancellationToken ct) =>
        CorpusLoader.OpenAsync(Settings.Required("data"), new CorpusOptions(Settings.String("cache")), ct);

    private static readonly TimeSpan BaseRepositoryPoll = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits until the averager has created the base repository: the roles wait for a first base inside an existing
    /// repository, so a miner or validator started before the averager would otherwise stop at once.
    /// </summary>
    public async Task WaitForBaseRepositoryAsync(ILogger logger, TimeSpan poll, CancellationToken ct)
    {
        for (bool logged = false; ; logged = true)
        {
            try
            {
                await Store.ListRevisionsAsync(BaseRepoId, 1, ct);
                return;
            }
            catch (StoreException e) when (e.Reason == StoreErrorReason.RepositoryNotFound)
            {
                if (!logged) logger.LogInformation("Waiting for the averager to create {Repo}", BaseRepoId);
                await Task.Delay(poll < BaseRepositoryPoll ? poll : BaseRepositoryPoll, ct);
            }
        }
    }

    /// <summary>The window length: <c>--context</c> when given, else null (the model's own).</summary>
    public int? Context => Settings.String("context") is { Length: > 0 } ? Settings.Int("context") : null;

    public ILogger<T> Logger<T>() => Loggers.CreateLogger<T>();

    private static async Task<ILedger> OpenLedgerAsync(Settings settings, NetworkLayout layout, CancellationToken ct)
    {
        switch (settings.Required("ledger.backend").Trim().ToLowerInvariant())
        {
            case "local":
                if (!File.Exists(layout.Ledger))
                    throw new LedgerException(LedgerErrorReason.Unavailable,
                        $"no ledger at {layout.Ledger}; create the network first with `hivetrain network init --network {layout.Root}`");
                return await SqliteLedger.OpenAsync(layout.Ledger, ct: ct);
            case "bittensor":
                int netuid = settings.Int("netuid");
                if (netuid is < 0 or > ushort.MaxValue) throw new SettingsException($"--netuid: {netuid} is not a subnet uid (0 to 65535)");
                var chain = SubtensorNetwork.Connect(settings.Required("subtensor.network"), settings.String("subtensor.chain_endpoint"), (ushort)netuid);
                try
                {
                    await chain.GetBlockAsync(ct);
                    return chain;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    await chain.DisposeAsync();
                    throw e is LedgerException ? e : new LedgerException(LedgerErrorReason.Unavailable,
                        $"subtensor at {SubtensorNetwork.Resolve(settings.Required("subtensor.network"), settings.String("subtensor.chain_endpoint"))} is unreachable: {e.Message}", e);
                }
            default:
                throw new SettingsException($"--ledger.backend '{settings.String("ledger.backend")}' is not one of: local, bittensor");
        }
    }

    private static ILoggerFactory CreateLoggers(Settings settings)
    {
        var level = settings.Required("log.level").Trim().ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "information" or "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            var other => throw new SettingsException($"--log.level '{other}' is not one of: trace, debug, information, warning, error"),
        };
        var format = settings.Required("log.format").Trim().ToLowerInvariant();
        if (format is not ("text" or "json")) throw new SettingsException($"--log.format '{format}' is not one of: text, json");
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(level);
            if (format == "json")
                builder.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
            else
                builder.AddSimpleConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; o.UseUtcTimestamp = true; o.SingleLine = true;
                    o.ColorBehavior = Terminal.Colors ? LoggerColorBehavior.Default : LoggerColorBehavior.Disabled;
                });
        });
    }

    public async ValueTask DisposeAsync()
    {
        switch (_ledger)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
        (Store as IDisposable)?.Dispose();
        Loggers.Dispose();
    }
}
