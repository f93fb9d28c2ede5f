using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spindle.Cli.Queue;

namespace Spindle.Cli.Bench;

/// <summary><c>spindle bench</c>: whole-system benchmarks, each side by side with its baselines in one run.</summary>
internal static class BenchCommand
{
    internal static Command Create(IAnsiConsole console, TextWriter json, TextWriter errors)
    {
        var bench = new Command("bench", "Whole-system benchmarks, side by side with their baselines in one run.");
        bench.Subcommands.Add(CreateMap(console, json));
        bench.Subcommands.Add(CreatePipeline(console, json));
        bench.Subcommands.Add(CreateProcesses(console, json));
        bench.Subcommands.Add(CreateQueue(console, json, errors));
        return bench;
    }

    private static Command CreateQueue(IAnsiConsole console, TextWriter json, TextWriter errors)
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object per run and mode, one a line, instead of a table." };
        var jobs = new Option<int>("--jobs") { Description = "No-op jobs per run.", DefaultValueFactory = _ => 10_000 };
        var workers = new Option<int>("--workers") { Description = "Worker processes (spindle worker).", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Jobs at once per worker process (1 to 10,000).", DefaultValueFactory = _ => 10 };
        var store = new Option<string>("--store") { Description = "The job store, such as sqlite:path/file.db or postgres://user:password@host/db (default: a fresh temporary SQLite file per run, deleted after it)." };
        var mode = new Option<string>("--mode") { Description = "prefill (enqueue all, then start the workers), live (enqueue while they run) or all.", DefaultValueFactory = _ => "all" };
        mode.AcceptOnlyFromAmong("all", "prefill", "live");
        var runs = new Option<int>("--runs") { Description = "Runs of each mode (each on its own store or queue).", DefaultValueFactory = _ => 1 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds a run may take before it fails.", DefaultValueFactory = _ => 600 };
        AtLeast(jobs, 1);
        AtLeast(workers, 1);
        AtLeast(concurrency, 1);
        AtLeast(runs, 1);
        AtLeast(timeout, 1);
        var queue = new Command("queue", "The durable queue: no-op jobs through spindle worker processes, results kept and read back, prefill and live.")
        {
            jsonOption, jobs, workers, concurrency, store, mode, runs, timeout,
        };
        queue.SetAction(async (result, cancellationToken) =>
        {
            var settings = new QueueBenchmark.Settings(
                result.GetValue(jobs), result.GetValue(workers), result.GetValue(concurrency), result.GetValue(store), result.GetValue(mode)!,
                result.GetValue(runs), result.GetValue(jsonOption), TimeSpan.FromSeconds(result.GetValue(timeout)));
            // Ctrl+C or SIGTERM stops the run: its worker processes are stopped and its temporary store deleted.
            using var interruption = new Interruption(cancellationToken);
            try
            {
                await new QueueBenchmark(console, json).RunAsync(settings, interruption.Token);
                return 0;
            }
            catch (Exception) when (interruption.IsInterrupted)
            {
                // Whatever the signal broke on its way (a worker killed by the terminal's Ctrl+C while it started, say)
                // is the interruption's doing, not a failure of the run.
                await errors.WriteLineAsync("spindle bench queue: interrupted; its worker processes are stopped.");
                return interruption.ExitCode;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A store that cannot be opened, a job that went dead, a worker that exited: the message says which,
                // with a connection string's password hidden as every queue command hides it.
                bool plain = exception is InvalidOperationException or ArgumentException or NotSupportedException or TimeoutException;
                string message = QueueCommands.Redact(exception.Message, settings.Store ?? "");
                await errors.WriteLineAsync($"spindle bench queue: {(plain ? "" : exception.GetType().Name + ": ")}{message}");
                return 1;
            }
        });
        return queue;
    }

    private static Command CreateProcesses(IAnsiConsole console, TextWriter json)
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object per line instead of a table." };
        var runs = new Option<int>("--runs") { Description = "Measured runs per variant (at least 1).", DefaultValueFactory = _ => 5 };
        var warmups = new Option<int>("--warmups") { Description = "Unmeasured warm-up runs per variant.", DefaultValueFactory = _ => 1 };
        var warmupSeconds = new Option<double>("--warmup-seconds")
        {
            Description = "Keep warming each variant up for at least this long (tiered JIT settles in the pool and its workers).",
            DefaultValueFactory = _ => 1.5,
        };
        var workers = new Option<int>("--workers") { Description = "Worker processes of the pool (startup always measures 2).", DefaultValueFactory = _ => 2 };
        var submits = new Option<int>("--submits") { Description = "Individual no-op submits.", DefaultValueFactory = _ => 20_000 };
        var mapItems = new Option<int>("--map-items") { Description = "Items of the chunked no-op map.", DefaultValueFactory = _ => 1_000_000 };
        var heavyItems = new Option<int>("--heavy-items") { Description = "Items of the heavy MapCompare workload.", DefaultValueFactory = _ => 200_000 };
        var workload = new Option<string>("--workload") { Description = "startup, submits, map-noop, map-heavy or all.", DefaultValueFactory = _ => "all" };
        workload.AcceptOnlyFromAmong("all", "startup", "submits", "map-noop", "map-heavy");
        AtLeast(runs, 1);
        AtLeast(warmups, 0);
        warmupSeconds.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0
                && double.TryParse(result.Tokens[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && value is not (>= 0 and <= 600))
            {
                result.AddError($"{warmupSeconds.Name} must be between 0 and 600.");
            }
        });
        AtLeast(workers, 1);
        AtLeast(submits, 1);
        AtLeast(mapItems, 1);
        AtLeast(heavyItems, 1);
        var processes = new Command("processes", "The process pool: individual submits, a chunked no-op map, the heavy map against sequential, and pool startup.")
        {
            jsonOption, runs, warmups, warmupSeconds, workers, submits, mapItems, heavyItems, workload,
        };
        processes.SetAction(async (result, cancellationToken) =>
        {
            var settings = new ProcessBenchmark.Settings(
                result.GetValue(workers), result.GetValue(submits), result.GetValue(mapItems), result.GetValue(heavyItems),
                result.GetValue(runs), result.GetValue(warmups), TimeSpan.FromSeconds(result.GetValue(warmupSeconds)), result.GetValue(jsonOption),
                result.GetValue(workload)!);
            await new ProcessBenchmark(console, json).RunAsync(settings, cancellationToken);
            return 0;
        });
        return processes;
    }

    private static Command CreatePipeline(IAnsiConsole console, TextWriter json)
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object per line instead of tables." };
        var runs = new Option<int>("--runs") { Description = "Measured runs per variant (at least 1).", DefaultValueFactory = _ => 5 };
        var warmups = new Option<int>("--warmups") { Description = "Unmeasured warm-up runs per variant.", DefaultValueFactory = _ => 1 };
        var items = new Option<int>("--items") { Description = "Items through the trivial pipeline (the memory workload also runs a tenth of them).", DefaultValueFactory = _ => 10_000_000 };
        var workers = new Option<int>("--workers") { Description = "Workers per stage of the trivial pipeline.", DefaultValueFactory = _ => 1 };
        var buffer = new Option<int>("--buffer") { Description = "Buffer (Dataflow: BoundedCapacity) per stage of the trivial pipeline.", DefaultValueFactory = _ => 1024 };
        var ioItems = new Option<int>("--io-items") { Description = "Items through the I/O-like stage at each worker count.", DefaultValueFactory = _ => 200 };
        var workload = new Option<string>("--workload") { Description = "trivial, io, memory or all.", DefaultValueFactory = _ => "all" };
        workload.AcceptOnlyFromAmong("all", "trivial", "io", "memory");
        AtLeast(runs, 1);
        AtLeast(warmups, 0);
        AtLeast(items, 1);
        AtLeast(workers, 1);
        AtLeast(buffer, 1);
        AtLeast(ioItems, 1);
        var pipeline = new Command("pipeline", "Three trivial stages, an I/O-like stage by worker count, and peak memory: Spindle's Pipeline and TPL Dataflow side by side.")
        {
            jsonOption, runs, warmups, items, workers, buffer, ioItems, workload,
        };
        pipeline.SetAction(async (result, cancellationToken) =>
        {
            var settings = new PipelineBenchmark.Settings(
                result.GetValue(items), result.GetValue(workers), result.GetValue(buffer), result.GetValue(ioItems),
                result.GetValue(runs), result.GetValue(warmups), result.GetValue(jsonOption), result.GetValue(workload)!);
            await new PipelineBenchmark(console, json).RunAsync(settings, cancellationToken);
            return 0;
        });
        return pipeline;
    }

    private static Command CreateMap(IAnsiConsole console, TextWriter json)
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object per line instead of tables." };
        var runs = new Option<int>("--runs") { Description = "Measured runs per variant (at least 1; the issue's numbers use 7).", DefaultValueFactory = _ => 7 };
        var warmups = new Option<int>("--warmups") { Description = "Unmeasured warm-up runs per variant.", DefaultValueFactory = _ => 1 };
        var trivialN = new Option<int>("--trivial-n") { Description = "Items of the trivial workload.", DefaultValueFactory = _ => 10_000_000 };
        var heavyN = new Option<int>("--heavy-n") { Description = "Items of the heavy workload.", DefaultValueFactory = _ => 200_000 };
        var workload = new Option<string>("--workload") { Description = "trivial, heavy or all.", DefaultValueFactory = _ => "all" };
        workload.AcceptOnlyFromAmong("all", "trivial", "heavy");
        AtLeast(runs, 1);
        AtLeast(warmups, 0);
        AtLeast(trivialN, 1);
        AtLeast(heavyN, 1);
        var noStream = new Option<bool>("--no-stream") { Description = "Leave out the streamed (await foreach) WorkerPool variant." };
        var map = new Command("map", "MapCompare: sequential loop, WorkerPool.MapAsync, Parallel.For and PLINQ on a trivial and a heavy workload.")
        {
            jsonOption, runs, warmups, trivialN, heavyN, workload, noStream,
        };
        map.SetAction(async (result, cancellationToken) =>
        {
            var settings = new MapBenchmark.Settings(
                result.GetValue(trivialN), result.GetValue(heavyN), result.GetValue(runs), result.GetValue(warmups),
                result.GetValue(jsonOption), !result.GetValue(noStream), result.GetValue(workload)!);
            await new MapBenchmark(console, json).RunAsync(settings, cancellationToken);
            return 0;
        });
        return map;
    }

    private static void AtLeast(Option<int> option, int minimum) =>
        option.Validators.Add(result =>
        {
            // A value that is not a number is left to the parser's own error, which names it.
            if (result.Tokens.Count > 0
                && int.TryParse(result.Tokens[^1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                && value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}.");
            }
        });
}
