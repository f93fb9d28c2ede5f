using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>
/// Reads a PostgreSQL connection string in either form, <c>postgres://user:password@host:port/db?key=value</c>
/// (or <c>postgresql://</c>) or Npgsql's keyword form (<c>Host=...;Username=...</c>), into Npgsql's builder.
/// Errors name the part that is wrong, never a value: the string may carry a password.
/// </summary>
internal static class PostgresConnectionString
{
    private const string Application = "spindle";

    internal static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        string text = connectionString.Trim();
        NpgsqlConnectionStringBuilder builder = StartsWithScheme(text, out int rest) ? FromUrl(text[rest..]) : FromKeywords(text);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid("it names no host");
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = Application;
        }

        return builder;
    }

    /// <summary>Host, port, database and user, for messages and logs: never the password.</summary>
    internal static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";

    private static bool StartsWithScheme(string text, out int rest)
    {
        foreach (string scheme in (ReadOnlySpan<string>)["postgres://", "postgresql://"])
        {
            if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                rest = scheme.Length;
                return true;
            }
        }

        rest = 0;
        return false;
    }

    private static NpgsqlConnectionStringBuilder FromKeywords(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException)
        {
            // The framework's message may quote the text around the error, so it is not passed on.
            throw Invalid("its keyword form (Host=...;Username=...) does not parse: a keyword is unknown or a part is not keyword=value");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string rest)
    {
        var builder = new NpgsqlConnectionStringBuilder();

        // A password with an unencoded @, / or ? would be split in the wrong place, and part of it would become the
        // host or a parameter name, to be shown in a message: refuse the URL without quoting any of it.
        int firstAt = rest.IndexOf('@', StringComparison.Ordinal);
        int pathOrQuery = rest.IndexOfAny(['/', '?', '#']);
        bool ambiguous = firstAt >= 0 && (rest.LastIndexOf('@') != firstAt || (pathOrQuery >= 0 && pathOrQuery < firstAt));
        if (ambiguous)
        {
            throw Invalid("its user name or password holds a character that must be percent-encoded in a URL (@ as %40, / as %2F, ? as %3F, # as %23), or use the keyword form (Host=...;Password=...)");
        }

        int question = rest.IndexOf('?', StringComparison.Ordinal);
        string query = question >= 0 ? rest[(question + 1)..] : "";
        string path = question >= 0 ? rest[..question] : rest;
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string authority = slash >= 0 ? path[..slash] : path;
        string database = slash >= 0 ? Decode(path[(slash + 1)..], "database") : "";

        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string user = authority[..at];
            int colon = user.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Decode(colon >= 0 ? user[..colon] : user, "user name");
            if (colon >= 0)
            {
                builder.Password = Decode(user[(colon + 1)..], "password");
            }

            authority = authority[(at + 1)..];
        }

        SetHosts(builder, authority);
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = Decode(equals >= 0 ? pair[..equals] : pair, "parameter name");
            string value = equals >= 0 ? Decode(pair[(equals + 1)..], $"parameter '{key}'") : "";
            SetParameter(builder, key, value);
        }

        return builder;
    }

    private static void SetHosts(NpgsqlConnectionStringBuilder builder, string authority)
    {
        if (authority.Length == 0)
        {
            throw Invalid("it names no host (postgres://user:password@host:port/database)");
        }

        string[] hosts = authority.Split(',');
        if (hosts.Length > 1)
        {
            builder.Host = authority; // Npgsql reads host:port,host:port itself (failover, load balancing)
            return;
        }

        string host = authority;
        int portColon = authority.StartsWith('[') ? authority.IndexOf("]:", StringComparison.Ordinal) + 1 : authority.LastIndexOf(':');
        if (portColon > 0)
        {
            host = authority[..portColon];
            if (!int.TryParse(authority.AsSpan(portColon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
                || port is < 1 or > 65535)
            {
                throw Invalid("its port is not a number from 1 to 65535");
            }

            builder.Port = port;
        }

        builder.Host = Decode(host.Trim('[', ']'), "host");
    }

    private static void SetParameter(NpgsqlConnectionStringBuilder builder, string key, string value)
    {
        // libpq's names for the common ones; anything else must be one of Npgsql's own keywords.
        string keyword = key.ToLowerInvariant() switch
        {
            "sslmode" => "SSL Mode",
            "application_name" => "Application Name",
            "search_path" or "schema" => "Search Path",
            "connect_timeout" => "Timeout",
            "target_session_attrs" => "Target Session Attributes",
            "options" => "Options",
            _ => key,
        };
        try
        {
            builder[keyword] = value;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            throw Invalid($"its parameter '{key}' is not an Npgsql connection keyword or has a value it does not take");
        }
    }

    private static string Decode(string part, string what)
    {
        try
        {
            return Uri.UnescapeDataString(part);
        }
        catch (UriFormatException)
        {
            throw Invalid($"its {what} is not valid percent-encoding");
        }
    }

    private static ArgumentException Invalid(string why) =>
        new($"The PostgreSQL connection string is not valid: {why}.", "connectionString");
}
