using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;

namespace Spindle.Queue.Storage;

/// <summary>
/// A store's SQL, kept as files embedded in its assembly: statements (<c>Sql/{name}.sql</c>), each read when first
/// asked for, and numbered migrations (<c>Migrations/NNN_description.sql</c>), read together when first asked for.
/// Nothing is read at type load: a worker process starts sooner when it reads only the few statements it runs
/// (all of them, with a frozen dictionary built over them, cost it about 8 ms; docs/benchmarks.md).
/// </summary>
/// <param name="assembly">The assembly the files are embedded in.</param>
/// <param name="statementPrefix">The resource name of <c>Sql/</c>, such as <c>Spindle.Queue.Sqlite.Sql.</c>.</param>
/// <param name="migrationPrefix">The resource name of <c>Migrations/</c>.</param>
/// <param name="withoutLineComments">Whether statements are handed out without their <c>--</c> comments (<see cref="SqlComments"/>).</param>
internal sealed class EmbeddedSql(Assembly assembly, string statementPrefix, string migrationPrefix, bool withoutLineComments = false)
{
    // Filled as statements are first asked for, by any thread (a statement read twice at once is the same text).
    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    // Read by the first thread to ask (the others wait for it), then only read.
    private readonly Lazy<IReadOnlyList<SqlMigration>> _migrations = new(() => LoadMigrations(assembly, migrationPrefix));

    /// <summary>The numbered migrations, in order: <c>001_create_jobs.sql</c> is version 1.</summary>
    internal IReadOnlyList<SqlMigration> Migrations => _migrations.Value;

    /// <summary>The statement in <c>Sql/{name}.sql</c>.</summary>
    internal string Get(string name) => _statements.GetOrAdd(name, static (name, sql) =>
        Read(sql.assembly, sql.statementPrefix + name + ".sql") is { } text
            ? sql.withoutLineComments ? SqlComments.WithoutLineComments(text) : text
            : throw new InvalidOperationException($"No embedded SQL script 'Sql/{name}.sql' in {sql.assembly.GetName().Name}."),
        (assembly, statementPrefix, withoutLineComments));

    /// <summary>Two files with one number would each be applied or skipped by luck: refused when the store loads.</summary>
    internal static SqlMigration[] Numbered(SqlMigration[] migrations)
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

    private static IReadOnlyList<SqlMigration> LoadMigrations(Assembly assembly, string prefix)
    {
        var migrations = new List<SqlMigration>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(prefix, StringComparison.Ordinal) && resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                string name = resource[prefix.Length..^".sql".Length];
                migrations.Add(new SqlMigration(VersionOf(name), name, Read(assembly, resource)!));
            }
        }

        migrations.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        return Numbered([.. migrations]);
    }

    private static string? Read(Assembly assembly, string resource)
    {
        using Stream? stream = assembly.GetManifestResourceStream(resource);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static int VersionOf(string name)
    {
        int digits = 0;
        while (digits < name.Length && char.IsAsciiDigit(name[digits]))
        {
            digits++;
        }

        return digits > 0 && name.Length > digits && name[digits] == '_'
            ? int.Parse(name.AsSpan(0, digits), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Migration '{name}.sql' must be named NNN_description.sql, such as 001_create_jobs.sql.");
    }
}
