using Microsoft.Data.Sqlite;

namespace Hivetrain.Ledger;

/// <summary>The local ledger's SQL, kept apart from its rules.</summary>
internal static class SqliteLedgerQueries
{
    private const string NeuronColumns = "uid, hotkey, stake, validator_permit, registered_block, last_update_block";

    public static List<Neuron> Roster(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var command = Command(connection, tx, $"SELECT {NeuronColumns} FROM neurons ORDER BY uid");
        using var reader = command.ExecuteReader();
        var roster = new List<Neuron>();
        while (reader.Read())
            roster.Add(ReadNeuron(reader));
        return roster;
    }

    public static Neuron? FindNeuron(SqliteConnection connection, SqliteTransaction? tx, string hotkey)
    {
        using var command = Command(connection, tx, $"SELECT {NeuronColumns} FROM neurons WHERE hotkey = $hotkey", ("$hotkey", hotkey));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadNeuron(reader) : null;
    }

    public static List<Commitment> Commitments(SqliteConnection connection)
    {
        using var command = Command(connection, null, "SELECT hotkey, data, block FROM commitments ORDER BY block, hotkey");
        using var reader = command.ExecuteReader();
        var commitments = new List<Commitment>();
        while (reader.Read())
            commitments.Add(new Commitment(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        return commitments;
    }

    /// <summary>One consistent read of every validator's weights (a read transaction spans both tables).</summary>
    public static List<ValidatorWeights> Weights(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction(deferred: true);
        using var command = Command(connection, tx, """
            SELECT n.uid, n.hotkey, n.weights_block, w.uid, w.weight
            FROM neurons n LEFT JOIN weights w ON w.validator_uid = n.uid
            WHERE n.weights_block IS NOT NULL
            ORDER BY n.uid, w.uid
            """);
        using var reader = command.ExecuteReader();
        var result = new List<ValidatorWeights>();
        List<UidWeight>? current = null;
        while (reader.Read())
        {
            var validatorUid = reader.GetInt32(0);
            if (result.Count == 0 || result[^1].ValidatorUid != validatorUid)
            {
                current = [];
                result.Add(new ValidatorWeights(validatorUid, reader.GetString(1), reader.GetInt64(2), current));
            }
            if (!reader.IsDBNull(3))
                current!.Add(new UidWeight(reader.GetInt32(3), (ushort)reader.GetInt32(4)));
        }
        return result;
    }

    public static T? Scalar<T>(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        var value = command.ExecuteScalar();
        if (value is null or DBNull)
            return default;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }

    private static Neuron ReadNeuron(SqliteDataReader reader) => new(
        reader.GetInt32(0), reader.GetString(1), reader.GetDouble(2), reader.GetInt64(3) != 0, reader.GetInt64(4), reader.GetInt64(5));
}
