using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;

namespace Spindle.Queue.Postgres;

/// <summary>The PostgreSQL store's SQL, read once from the embedded <c>Sql/*.sql</c> and <c>Migrations/*.sql</c> files.</summary>
internal static class PostgresSql
{
    private const string StatementPrefix = "Spindle.Queue.Postgres.Sql.";
    private const string MigrationPrefix = "Spindle.Queue.Postgres.Migrations.";

    // Immutable after type initialization; read by any thread.
    private static readonly FrozenDictionary<string, string> Statements = Load(StatementPrefix)
        .ToFrozenDictionary(e => e.Name, e => e.Sql, StringComparer.Ordinal);

    /// <summary>The numbered migrations, in order: <c>001_create_jobs.sql</c> is version 1.</summary>
    internal static IReadOnlyList<Migration> Migrations { get; } = Load(MigrationPrefix)
        .Select(e => new Migration(VersionOf(e.Name), e.Name, e.Sql))
        .OrderBy(m => m.Version)
        .ToArray();

    /// <summary>The statement in <c>Sql/{name}.sql</c>.</summary>
    internal static string Get(string name) =>
        Statements.TryGetValue(name, out string? sql) ? sql : throw new InvalidOperationException($"No embedded SQL script 'Sql/{name}.sql' in Spindle.Queue.Postgres.");

    private static IEnumerable<(string Name, string Sql)> Load(string prefix)
    {
        Assembly assembly = typeof(PostgresSql).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(prefix, StringComparison.Ordinal) && resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                using Stream stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream);
                yield return (resource[prefix.Length..^".sql".Length], reader.ReadToEnd());
            }
        }
    }

    private static int VersionOf(string name)
    {
        int digits = name.TakeWhile(char.IsAsciiDigit).Count();
        return digits > 0 && name.Length > digits && name[digits] == '_'
            ? int.Parse(name.AsSpan(0, digits), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Migration '{name}.sql' must be named NNN_description.sql, such as 001_create_jobs.sql.");
    }

    /// <summary>One numbered schema migration.</summary>
    internal sealed record Migration(int Version, string Name, string Sql);
}
