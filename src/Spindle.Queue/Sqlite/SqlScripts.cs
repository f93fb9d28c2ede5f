using System.Collections.Frozen;
using System.Reflection;

namespace Spindle.Queue.Sqlite;

/// <summary>The SQLite store's SQL, read once from the embedded <c>Sql/*.sql</c> and <c>Migrations/*.sql</c> files.</summary>
internal static class SqlScripts
{
    private const string StatementPrefix = "Spindle.Queue.Sqlite.Sql.";
    private const string MigrationPrefix = "Spindle.Queue.Sqlite.Migrations.";

    // Immutable after type initialization; read by any thread.
    private static readonly FrozenDictionary<string, string> Statements = Load(StatementPrefix)
        .ToFrozenDictionary(e => e.Name, e => e.Sql, StringComparer.Ordinal);

    /// <summary>The numbered migrations, in order: <c>001_create_jobs.sql</c> is version 1.</summary>
    internal static IReadOnlyList<Migration> Migrations { get; } = Numbered(Load(MigrationPrefix)
        .Select(e => new Migration(VersionOf(e.Name), e.Name, e.Sql))
        .OrderBy(m => m.Version)
        .ToArray());

    /// <summary>The statement in <c>Sql/{name}.sql</c>.</summary>
    internal static string Get(string name) =>
        Statements.TryGetValue(name, out string? sql) ? sql : throw new InvalidOperationException($"No embedded SQL script 'Sql/{name}.sql' in Spindle.Queue.");

    private static IEnumerable<(string Name, string Sql)> Load(string prefix)
    {
        Assembly assembly = typeof(SqlScripts).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (resource[prefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }

    /// <summary>Two files with one number would each be applied or skipped by luck: refused when the store loads.</summary>
    internal static Migration[] Numbered(Migration[] migrations)
    {
        for (int i = 1; i < migrations.Length; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Migrations '{migrations[i - 1].Name}.sql' and '{migrations[i].Name}.sql' have the same number; each migration needs its own.");
            }
        }

        return migrations;
    }

    private static int VersionOf(string name)
    {
        int digits = name.TakeWhile(char.IsAsciiDigit).Count();
        return digits > 0 && name.Length > digits && name[digits] == '_'
            ? int.Parse(name.AsSpan(0, digits), System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Migration '{name}.sql' must be named NNN_description.sql, such as 001_create_jobs.sql.");
    }

    /// <summary>One numbered schema migration.</summary>
    internal sealed record Migration(int Version, string Name, string Sql);
}
