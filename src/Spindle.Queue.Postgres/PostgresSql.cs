using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>
/// The PostgreSQL store's SQL: the embedded <c>Sql/*.sql</c> and <c>Migrations/*.sql</c> files. Statements come without
/// their <c>--</c> comments: Npgsql reads every command's text on every execution to find its parameters.
/// </summary>
internal static class PostgresSql
{
    private static readonly EmbeddedSql Sql = new(typeof(PostgresSql).Assembly, "Spindle.Queue.Postgres.Sql.", "Spindle.Queue.Postgres.Migrations.", withoutLineComments: true);

    /// <summary>The numbered migrations, in order: <c>001_create_jobs.sql</c> is version 1.</summary>
    internal static IReadOnlyList<SqlMigration> Migrations => Sql.Migrations;

    /// <summary>The statement in <c>Sql/{name}.sql</c>.</summary>
    internal static string Get(string name) => Sql.Get(name);
}
