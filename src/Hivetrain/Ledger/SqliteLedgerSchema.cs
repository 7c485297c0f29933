using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Hivetrain.Ledger;

/// <summary>
/// The local ledger's tables, created idempotently so several processes may open a new file at once
/// (the first creator's rules and genesis win). Rules live in <c>meta</c> so every process reads the same.
/// </summary>
internal static class SqliteLedgerSchema
{
    public const string Format = "hivetrain-ledger/1";

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS neurons (
            uid INTEGER PRIMARY KEY,
            hotkey TEXT NOT NULL UNIQUE,
            stake REAL NOT NULL DEFAULT 0,
            validator_permit INTEGER NOT NULL DEFAULT 0,
            registered_block INTEGER NOT NULL,
            last_update_block INTEGER NOT NULL,
            weights_block INTEGER);
        CREATE TABLE IF NOT EXISTS commitments (hotkey TEXT PRIMARY KEY, data TEXT NOT NULL, block INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS weights (
            validator_uid INTEGER NOT NULL REFERENCES neurons(uid),
            uid INTEGER NOT NULL,
            weight INTEGER NOT NULL,
            PRIMARY KEY (validator_uid, uid));
        """;

    /// <summary>Creates the tables and, when absent, the meta rows from <paramref name="setup"/> and a genesis of now.</summary>
    public static void Create(SqliteConnection connection, SqliteLedgerSetup setup, long nowMicroseconds)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        using var tx = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.Transaction = tx;
            create.CommandText = Tables;
            create.ExecuteNonQuery();
        }
        var r = setup.Rules;
        var rows = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["genesis_unix_us"] = Invariant(nowMicroseconds),
            ["seconds_per_block"] = r.SecondsPerBlock.ToString("R", CultureInfo.InvariantCulture),
            ["weights_rate_limit_blocks"] = Invariant(r.WeightsRateLimitBlocks),
            ["weights_version_key"] = r.WeightsVersionKey.ToString(CultureInfo.InvariantCulture),
            ["min_allowed_weights"] = Invariant(r.MinAllowedWeights),
            ["max_weight_limit"] = Invariant(r.MaxWeightLimit),
            ["max_commitment_bytes"] = Invariant(r.MaxCommitmentBytes),
            ["max_uids"] = Invariant(setup.MaxUids),
        };
        foreach (var (key, value) in rows)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT OR IGNORE INTO meta(key, value) VALUES ($k, $v)";
            insert.Parameters.AddWithValue("$k", key);
            insert.Parameters.AddWithValue("$v", value);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Reads the setup and genesis back; a file that is not a ledger gives <see cref="LedgerErrorReason.ProtocolError"/>.</summary>
    public static (SqliteLedgerSetup Setup, long GenesisMicroseconds) Read(SqliteConnection connection, string path)
    {
        var meta = new Dictionary<string, string>();
        try
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT key, value FROM meta";
            using var reader = select.ExecuteReader();
            while (reader.Read())
                meta[reader.GetString(0)] = reader.GetString(1);
        }
        catch (SqliteException e)
        {
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{path} is not a hivetrain ledger: {e.Message}", e);
        }
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{path} is not a {Format} ledger");
        try
        {
            var rules = new LedgerRules(
                double.Parse(meta["seconds_per_block"], CultureInfo.InvariantCulture),
                long.Parse(meta["weights_rate_limit_blocks"], CultureInfo.InvariantCulture),
                ulong.Parse(meta["weights_version_key"], CultureInfo.InvariantCulture),
                int.Parse(meta["min_allowed_weights"], CultureInfo.InvariantCulture),
                ushort.Parse(meta["max_weight_limit"], CultureInfo.InvariantCulture),
                int.Parse(meta["max_commitment_bytes"], CultureInfo.InvariantCulture));
            var setup = new SqliteLedgerSetup(rules, int.Parse(meta["max_uids"], CultureInfo.InvariantCulture));
            setup.Validate();
            return (setup, long.Parse(meta["genesis_unix_us"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException or ArgumentException)
        {
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{path}: the ledger's rules are damaged: {e.Message}", e);
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
