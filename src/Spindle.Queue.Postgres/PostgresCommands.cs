using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>Commands over the embedded SQL, with parameters bound in the store's one representation.</summary>
internal static class PostgresCommands
{
    /// <summary>A command running <c>Sql/{name}.sql</c> on the connection (and transaction, when given).</summary>
    internal static NpgsqlCommand Command(this NpgsqlConnection connection, string name, NpgsqlTransaction? transaction = null) =>
        new(PostgresSql.Get(name), connection, transaction);

    internal static NpgsqlCommand Bind<T>(this NpgsqlCommand command, string name, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return command;
    }

    /// <summary>Times go to timestamptz, which Npgsql writes only from UTC offsets.</summary>
    internal static NpgsqlCommand Bind(this NpgsqlCommand command, string name, DateTimeOffset value) =>
        command.Bind<DateTimeOffset>(name, value.ToUniversalTime());

    /// <summary>A value that may be absent: NULL, typed by the cast the statement puts on the parameter.</summary>
    internal static NpgsqlCommand BindNullable(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    internal static long? Milliseconds(TimeSpan? span) => span is { } value ? (long)value.TotalMilliseconds : null;
}

/// <summary>Binding on batch commands, the same way as on commands.</summary>
internal static class PostgresBatchCommands
{
    internal static NpgsqlBatchCommand Bind<T>(this NpgsqlBatchCommand command, string name, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return command;
    }
}
