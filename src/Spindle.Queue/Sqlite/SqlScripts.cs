using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>The SQLite store's SQL: the embedded <c>Sqlite/Sql/*.sql</c> and <c>Sqlite/Migrations/*.sql</c> files.</summary>
internal static class SqlScripts
{
    private static readonly EmbeddedSql Sql = new(typeof(SqlScripts).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.");

    /// <summary>The numbered migrations, in order: <c>001_create_jobs.sql</c> is version 1.</summary>
    internal static IReadOnlyList<SqlMigration> Migrations => Sql.Migrations;

    /// <summary>The statement in <c>Sql/{name}.sql</c>.</summary>
    internal static string Get(string name) => Sql.Get(name);
}
