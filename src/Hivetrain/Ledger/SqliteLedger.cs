using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Hivetrain.Ledger;

/// <summary>
/// The embedded ledger: a SQLite file (WAL, busy timeout, one transaction per call) that several
/// processes on one machine share. It keeps the chain's rules but trusts its callers: participants are
/// identified by <see cref="Keypair.Ss58Address"/> and nothing is signed. The block number follows wall
/// time from a genesis stored in the file, at the file's seconds per block.
/// </summary>
public sealed class SqliteLedger : ILedger, IDisposable
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    private SqliteLedger(string path, string connectionString, SqliteLedgerSetup setup, TimeProvider time)
    {
        Path = path;
        _connectionString = connectionString;
        Setup = setup;
        _time = time;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The rules and uid limit the file was created with.</summary>
    public SqliteLedgerSetup Setup { get; }

    /// <summary>Opens an existing ledger; a missing file gives <see cref="LedgerErrorReason.Unavailable"/>.</summary>
    public static Task<SqliteLedger> OpenAsync(string path, TimeProvider? time = null, CancellationToken ct = default)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new LedgerException(LedgerErrorReason.Unavailable, $"no ledger at {full} (create one with the simulator or `hivetrain ledger register`)");
        return Task.FromResult(Load(full, setup: null, time ?? TimeProvider.System));
    }

    /// <summary>Opens the ledger, creating it with <paramref name="setup"/> and a genesis of now when it does not exist.</summary>
    public static Task<SqliteLedger> OpenOrCreateAsync(string path, SqliteLedgerSetup setup, TimeProvider? time = null, CancellationToken ct = default)
    {
        setup.Validate();
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return Task.FromResult(Load(full, setup, time ?? TimeProvider.System));
    }

    private static SqliteLedger Load(string path, SqliteLedgerSetup? setup, TimeProvider time)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = setup is null ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Connect(connectionString, path);
        if (setup is not null)
            SqliteLedgerSchema.Create(connection, setup, NowMicroseconds(time));
        var (stored, _) = SqliteLedgerSchema.Read(connection, path);
        return new SqliteLedger(path, connectionString, stored, time);
    }

    public Task<long> GetBlockAsync(CancellationToken ct)
    {
        using var connection = Connect();
        return Task.FromResult(CurrentBlock(connection, null));
    }

    public Task<LedgerRules> GetRulesAsync(CancellationToken ct) => Task.FromResult(Setup.Rules);

    public Task<IReadOnlyList<Neuron>> GetRosterAsync(CancellationToken ct)
    {
        using var connection = Connect();
        return Task.FromResult<IReadOnlyList<Neuron>>(SqliteLedgerQueries.Roster(connection, null));
    }

    public Task<int> RegisterAsync(Keypair hotkey, CancellationToken ct)
    {
        var address = Address(hotkey);
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        var existing = SqliteLedgerQueries.FindNeuron(connection, tx, address);
        if (existing is not null)
            return Task.FromResult(existing.Uid);
        var count = SqliteLedgerQueries.Scalar<long>(connection, tx, "SELECT COUNT(*) FROM neurons");
        if (count >= Setup.MaxUids)
            throw new LedgerException(LedgerErrorReason.RosterFull, $"cannot register {address}: all {Setup.MaxUids} uids are taken");
        var block = CurrentBlock(connection, tx);
        SqliteLedgerQueries.Execute(connection, tx,
            "INSERT INTO neurons(uid, hotkey, registered_block, last_update_block) VALUES ($uid, $hotkey, $block, $block)",
            ("$uid", count), ("$hotkey", address), ("$block", block));
        tx.Commit();
        return Task.FromResult((int)count);
    }

    /// <summary>Sets a registered hotkey's stake and validator permit (the simulator's stand-in for staking).</summary>
    public Task SetStakeAsync(string hotkey, double stake, bool validatorPermit, CancellationToken ct)
    {
        if (!double.IsFinite(stake) || stake < 0)
            throw new ArgumentException($"stake must be a non-negative number (got {stake})", nameof(stake));
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        RequireNeuron(connection, tx, hotkey);
        SqliteLedgerQueries.Execute(connection, tx, "UPDATE neurons SET stake = $stake, validator_permit = $permit WHERE hotkey = $hotkey",
            ("$stake", stake), ("$permit", validatorPermit ? 1 : 0), ("$hotkey", hotkey));
        tx.Commit();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Commitment>> GetCommitmentsAsync(CancellationToken ct)
    {
        using var connection = Connect();
        return Task.FromResult<IReadOnlyList<Commitment>>(SqliteLedgerQueries.Commitments(connection));
    }

    /// <summary>Setting the same data again keeps its original block, so the earliest claim on a repository stays visible.</summary>
    public Task SetCommitmentAsync(Keypair hotkey, string data, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);
        var address = Address(hotkey);
        var bytes = Encoding.UTF8.GetByteCount(data);
        if (bytes > Setup.Rules.MaxCommitmentBytes)
            throw new LedgerException(LedgerErrorReason.CommitmentTooLong,
                $"commitment of {address} is {bytes} bytes of UTF-8; at most {Setup.Rules.MaxCommitmentBytes} are allowed");
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        RequireNeuron(connection, tx, address);
        SqliteLedgerQueries.Execute(connection, tx, """
            INSERT INTO commitments(hotkey, data, block) VALUES ($hotkey, $data, $block)
            ON CONFLICT(hotkey) DO UPDATE SET
                block = CASE WHEN commitments.data = excluded.data THEN commitments.block ELSE excluded.block END,
                data = excluded.data
            """, ("$hotkey", address), ("$data", data), ("$block", CurrentBlock(connection, tx)));
        tx.Commit();
        return Task.CompletedTask;
    }

    public Task SetWeightsAsync(Keypair hotkey, IReadOnlyList<UidWeight> weights, ulong versionKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var address = Address(hotkey);
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        var validator = RequireNeuron(connection, tx, address);
        var lastWeights = SqliteLedgerQueries.Scalar<long?>(connection, tx, "SELECT weights_block FROM neurons WHERE uid = $uid", ("$uid", validator.Uid));
        var rosterSize = (int)SqliteLedgerQueries.Scalar<long>(connection, tx, "SELECT COUNT(*) FROM neurons");
        var block = CurrentBlock(connection, tx);
        WeightsCheck.Validate(validator, lastWeights, block, rosterSize, Setup.Rules, weights, versionKey);
        SqliteLedgerQueries.Execute(connection, tx, "DELETE FROM weights WHERE validator_uid = $uid", ("$uid", validator.Uid));
        foreach (var w in WeightsCheck.MaxUpscale(weights))
            SqliteLedgerQueries.Execute(connection, tx, "INSERT INTO weights(validator_uid, uid, weight) VALUES ($v, $uid, $w)",
                ("$v", validator.Uid), ("$uid", w.Uid), ("$w", (int)w.Weight));
        SqliteLedgerQueries.Execute(connection, tx, "UPDATE neurons SET weights_block = $block, last_update_block = $block WHERE uid = $uid",
            ("$block", block), ("$uid", validator.Uid));
        tx.Commit();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ValidatorWeights>> GetWeightsAsync(CancellationToken ct)
    {
        using var connection = Connect();
        return Task.FromResult<IReadOnlyList<ValidatorWeights>>(SqliteLedgerQueries.Weights(connection));
    }

    /// <summary>
    /// SQLite's own check of the file (<c>PRAGMA integrity_check</c>): an empty list when the database is sound, else
    /// each problem it found (a process killed mid-transaction must leave none: the journal rolls it back).
    /// </summary>
    public Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken ct)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var problems = new List<string>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                if (reader.GetString(0) is var line && line != "ok") problems.Add(line);
        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    /// <summary>Moves the clock forward by <paramref name="blocks"/> for every process sharing the file (tests, the simulator).</summary>
    public Task AdvanceBlocksAsync(long blocks, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        var shift = (long)Math.Ceiling(blocks * Setup.Rules.SecondsPerBlock * 1_000_000);
        using var connection = Connect();
        using var tx = connection.BeginTransaction();
        var genesis = Genesis(connection, tx);
        SqliteLedgerQueries.Execute(connection, tx, "UPDATE meta SET value = $v WHERE key = 'genesis_unix_us'",
            ("$v", (genesis - shift).ToString(CultureInfo.InvariantCulture)));
        tx.Commit();
        return Task.CompletedTask;
    }

    /// <summary>Releases the pooled connections to the file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private long CurrentBlock(SqliteConnection connection, SqliteTransaction? tx)
    {
        var elapsed = NowMicroseconds(_time) - Genesis(connection, tx);
        return elapsed <= 0 ? 0 : (long)Math.Floor(elapsed / (Setup.Rules.SecondsPerBlock * 1_000_000));
    }

    private static long Genesis(SqliteConnection connection, SqliteTransaction? tx) =>
        long.Parse(SqliteLedgerQueries.Scalar<string>(connection, tx, "SELECT value FROM meta WHERE key = 'genesis_unix_us'")!, CultureInfo.InvariantCulture);

    private static Neuron RequireNeuron(SqliteConnection connection, SqliteTransaction tx, string address) =>
        SqliteLedgerQueries.FindNeuron(connection, tx, address)
        ?? throw new LedgerException(LedgerErrorReason.NotRegistered, $"hotkey {address} is not registered");

    private static string Address(Keypair hotkey)
    {
        ArgumentNullException.ThrowIfNull(hotkey);
        if (string.IsNullOrWhiteSpace(hotkey.Ss58Address))
            throw new ArgumentException("the keypair has no SS58 address", nameof(hotkey));
        return hotkey.Ss58Address;
    }

    private static long NowMicroseconds(TimeProvider time) => (time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    private SqliteConnection Connect() => Connect(_connectionString, Path);

    private static SqliteConnection Connect(string connectionString, string path)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new LedgerException(LedgerErrorReason.Unavailable, $"cannot open the ledger {path}: {e.Message}", e);
        }
    }
}
