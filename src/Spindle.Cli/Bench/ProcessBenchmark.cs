using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Pools;
using Spindle.Processes;

namespace Spindle.Cli.Bench;

/// <summary>
/// The process pool, whole-system: individual submits of a no-op, a chunked no-op map, the heavy MapCompare
/// workload against a sequential loop, and the time to start a 2-worker pool. Python's numbers on the same
/// workloads come from <c>bench/compare/</c>.
/// </summary>
internal sealed class ProcessBenchmark(IAnsiConsole console, TextWriter json)
{
    internal sealed record Settings(int Workers, int Submits, int MapItems, int HeavyItems, int Runs, int Warmups, TimeSpan WarmupTime, bool Json, string Workloads);

    internal async Task<IReadOnlyList<Sample>> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        CliTasks tasks = CliTasks.Create();
        var samples = new List<Sample>();
        var records = new List<BenchRecord>();
        if (!settings.Json)
        {
            console.MarkupLine($"[grey]{Environment.ProcessorCount} cores, .NET {Environment.Version} ({ToolBuild.Kind} build); {settings.Workers} worker processes; at least {settings.Warmups} warm-up run(s) and {settings.WarmupTime.TotalSeconds:0.#} s of warm-up, then {settings.Runs} measured runs per variant[/]");
        }

        bool all = settings.Workloads == "all";
        if (all || settings.Workloads == "startup")
        {
            IReadOnlyList<double> times = await Stopwatches.TimeAsync(
                async () =>
                {
                    await using ProcessPool started = await ProcessPool.StartAsync(tasks.Catalog, Options(2), cancellationToken);
                },
                settings.Warmups,
                settings.Runs,
                settings.WarmupTime);
            Add(new Sample("startup", "spindle-ProcessPool", 2, times), null);
        }

        await using ProcessPool pool = await ProcessPool.StartAsync(tasks.Catalog, Options(settings.Workers), cancellationToken);
        if (all || settings.Workloads == "submits")
        {
            IReadOnlyList<double> times = await Stopwatches.TimeAsync(
                async () =>
                {
                    var calls = new Task<int>[settings.Submits];
                    for (int i = 0; i < calls.Length; i++)
                    {
                        calls[i] = await pool.SubmitAsync(tasks.Noop, i, cancellationToken: cancellationToken);
                    }

                    int[] results = await Task.WhenAll(calls);
                    Check(results.Length == settings.Submits && results[^1] == settings.Submits - 1, "submits");
                },
                settings.Warmups,
                settings.Runs,
                settings.WarmupTime);
            Add(new Sample("submits", "spindle-ProcessPool", settings.Submits, times), null);
        }

        if (all || settings.Workloads == "map-noop")
        {
            int[] source = [.. Enumerable.Range(0, settings.MapItems)];
            IReadOnlyList<double> times = await Stopwatches.TimeAsync(
                async () =>
                {
                    int[] results = await pool.MapAsync(tasks.Noop, source, cancellationToken: cancellationToken).ToArrayAsync(cancellationToken);
                    Check(results.AsSpan().SequenceEqual(source), "map-noop");
                },
                settings.Warmups,
                settings.Runs,
                settings.WarmupTime);
            Add(new Sample("map-noop", "spindle-ProcessPool", settings.MapItems, times), null);
        }

        if (all || settings.Workloads == "map-heavy")
        {
            MapWorkload heavy = MapWorkload.Heavy(settings.HeavyItems);
            long[] source = heavy.CreateSource();
            long[] expected = [.. source.Select(MapWorkload.Mix)];
            IReadOnlyList<double> sequential = await Stopwatches.TimeAsync(
                () =>
                {
                    var results = new long[source.Length];
                    for (int i = 0; i < source.Length; i++)
                    {
                        results[i] = MapWorkload.Mix(source[i]);
                    }

                    Check(results.AsSpan().SequenceEqual(expected), "map-heavy sequential");
                    return ValueTask.CompletedTask;
                },
                settings.Warmups,
                settings.Runs,
                settings.WarmupTime);
            IReadOnlyList<double> pooled = await Stopwatches.TimeAsync(
                async () =>
                {
                    long[] results = await pool.MapAsync(tasks.Mix, source, cancellationToken: cancellationToken).ToArrayAsync(cancellationToken);
                    Check(results.AsSpan().SequenceEqual(expected), "map-heavy");
                },
                settings.Warmups,
                settings.Runs,
                settings.WarmupTime);
            var seq = new Sample("map-heavy", "sequential", heavy.Count, sequential);
            Add(seq, seq.MedianMs);
            Add(new Sample("map-heavy", "spindle-ProcessPool", heavy.Count, pooled), seq.MedianMs);
        }

        if (!settings.Json)
        {
            console.Write(Table(samples, records));
        }

        return samples;

        void Add(Sample sample, double? sequentialMs)
        {
            samples.Add(sample);
            BenchRecord record = BenchRecord.From("processes", sample, sequentialMs);
            records.Add(record);
            if (settings.Json)
            {
                json.WriteLine(JsonSerializer.Serialize(record, BenchJsonContext.Default.BenchRecord));
            }
        }

        ProcessPoolOptions Options(int workers) => new()
        {
            WorkerCount = workers,
            Name = "bench-processes",
            Environment = new Dictionary<string, string?> { ["DOTNET_TieredPGO"] = "1" },
        };
    }

    private static void Check(bool ok, string workload)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"The process pool computed a wrong result on the {workload} workload.");
        }
    }

    private static Table Table(IReadOnlyList<Sample> samples, IReadOnlyList<BenchRecord> records)
    {
        var table = new Table()
            .Title("[bold]processes[/]: worker processes over pipes")
            .AddColumn("workload")
            .AddColumn("variant")
            .AddColumn(new TableColumn("n").RightAligned())
            .AddColumn(new TableColumn("median ms").RightAligned())
            .AddColumn(new TableColumn("per s").RightAligned())
            .AddColumn(new TableColumn("vs sequential").RightAligned());
        for (int i = 0; i < samples.Count; i++)
        {
            Sample s = samples[i];
            string ratio = records[i].SpeedupVsSequential is { } r ? $"{r:F2}×" : "";
            table.AddRow(s.Workload, s.Variant, $"{s.N:N0}", $"{s.MedianMs:F1}", s.Workload == "startup" ? "" : $"{s.PerSecond:N0}", ratio);
        }

        return table;
    }
}
