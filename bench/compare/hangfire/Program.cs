using System.Globalization;
using System.Reflection;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;

// The Hangfire side of `bench/compare/run queue`: the workload of `spindle bench queue` (see bench/compare/README.md).
//   HangfireQueueBench bench --storage sqlite|postgres://user@host:port/db [--jobs 10000] [--workers 2]
//                            [--concurrency 10] [--mode prefill|live|all] [--runs 1] [--poll-ms 200] [--timeout 600]
//   HangfireQueueBench worker --storage sqlite:/path/file.db|<npgsql keywords> [--schema S] --concurrency 10 --poll-ms 200
// `bench` prints one JSON object per run and mode on stdout; `worker` is what `bench` starts W times.
return args.Length > 0 && args[0] == "worker" ? HangfireWorker.Run(Arguments.Parse(args[1..]))
    : args.Length > 0 && args[0] == "bench" ? await HangfireBench.RunAsync(Arguments.Parse(args[1..])).ConfigureAwait(false)
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: HangfireQueueBench bench --storage sqlite|postgres://... [--jobs N] [--workers W] [--concurrency C] [--mode prefill|live|all] [--runs R] [--poll-ms MS] [--timeout S]");
    return 2;
}

/// <summary>The job every run enqueues: a static no-op that returns its argument, as <c>bench.noop</c> does in Spindle.</summary>
public static class NoopJob
{
    public static int Run(int x) => x;

    internal static readonly MethodInfo Method = typeof(NoopJob).GetMethod(nameof(Run))!;
}

/// <summary><c>--name value</c> pairs; an unknown or valueless option is refused with its name.</summary>
internal sealed class Arguments(Dictionary<string, string> values)
{
    internal static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value' pairs, got '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        return new Arguments(values);
    }

    internal string? Text(string name) => values.GetValueOrDefault(name);

    internal string Required(string name) => Text(name) ?? throw new ArgumentException($"--{name} is required");

    internal int Number(string name, int fallback, int min = 1)
    {
        if (Text(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min
            ? value
            : throw new ArgumentException($"--{name} must be a whole number >= {min}, got '{text}'");
    }
}

/// <summary>Where a run's jobs live: a Hangfire.Storage.SQLite file or a Hangfire.PostgreSql schema of its own.</summary>
internal sealed record StorageTarget(string Kind, string Location, string? Schema)
{
    internal JobStorage Open(int pollMs) => Kind switch
    {
        "sqlite" => new SQLiteStorage(Location, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(pollMs) }),
        "postgres" => new PostgreSqlStorage(
            new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(Location, new PostgreSqlStorageOptions()),
            new PostgreSqlStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(pollMs), SchemaName = Schema! }),
        _ => throw new ArgumentException($"unknown storage kind '{Kind}'"),
    };

    internal IEnumerable<string> WorkerArguments() =>
        Schema is null ? ["--storage", $"{Kind}:{Location}"] : ["--storage", $"{Kind}:{Location}", "--schema", Schema];

    /// <summary><c>sqlite:/path</c> or <c>postgres:Host=...</c> as passed to a worker.</summary>
    internal static StorageTarget FromWorkerArgument(string storage, string? schema)
    {
        int colon = storage.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? new StorageTarget(storage[..colon], storage[(colon + 1)..], schema)
            : throw new ArgumentException($"--storage must be sqlite:PATH or postgres:CONNECTION, got '{storage}'");
    }

    /// <summary>A <c>postgres://user:password@host:port/db</c> URL, or Npgsql's keyword form, as Npgsql keywords.</summary>
    internal static string NpgsqlKeywords(string spec)
    {
        if (spec.Contains('=', StringComparison.Ordinal))
        {
            return spec;
        }

        var url = new Uri(spec);
        string[] user = Uri.UnescapeDataString(url.UserInfo).Split(':', 2);
        string keywords = $"Host={url.Host};Port={(url.Port > 0 ? url.Port : 5432)};Database={url.AbsolutePath.TrimStart('/')};Username={user[0]}";
        return user.Length == 2 ? keywords + $";Password={user[1]}" : keywords;
    }
}

/// <summary>One worker process: a <see cref="BackgroundJobServer"/> with <c>--concurrency</c> workers until stdin closes.</summary>
internal static class HangfireWorker
{
    internal static int Run(Arguments arguments)
    {
        StorageTarget target = StorageTarget.FromWorkerArgument(arguments.Required("storage"), arguments.Text("schema"));
        JobStorage storage = target.Open(arguments.Number("poll-ms", 200));
        var options = new BackgroundJobServerOptions
        {
            WorkerCount = arguments.Number("concurrency", 10),
            ServerName = $"bench-{Environment.ProcessId}",
            Queues = ["default"],
        };
        using (new BackgroundJobServer(options, storage))
        {
            Console.Out.WriteLine($"Worker {Environment.ProcessId} ready");
            Console.Out.Flush();

            // The bench closes our stdin to stop us; Dispose then stops the server gracefully.
            while (Console.In.ReadLine() is not null)
            {
            }
        }

        return 0;
    }
}
