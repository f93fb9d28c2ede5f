using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Pools;

namespace Spindle.Cli.Bench;

/// <summary>
/// MapCompare, side by side in one process: a sequential loop, <see cref="WorkerPool"/>'s map,
/// <c>Parallel.For</c> and PLINQ on the trivial and the heavy workload, each checked against the
/// sequential result before it is timed.
/// </summary>
internal sealed class MapBenchmark(IAnsiConsole console, TextWriter json)
{
    internal sealed record Settings(int TrivialCount, int HeavyCount, int Runs, int Warmups, bool Json, bool Streamed, string Workloads);

    internal async Task<IReadOnlyList<Sample>> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        await using var pool = WorkerPool.Create(new WorkerPoolOptions { Name = "bench-map" });
        var workloads = new List<MapWorkload>();
        if (settings.Workloads is "all" or "trivial")
        {
            workloads.Add(MapWorkload.Trivial(settings.TrivialCount));
        }

        if (settings.Workloads is "all" or "heavy")
        {
            workloads.Add(MapWorkload.Heavy(settings.HeavyCount));
        }

        if (!settings.Json)
        {
            console.MarkupLine($"[grey]{Environment.ProcessorCount} cores, .NET {Environment.Version} ({ToolBuild.Kind} build); {settings.Warmups} warm-up and {settings.Runs} measured runs per variant; ratio = sequential median / variant median[/]");
        }

        foreach (MapWorkload workload in workloads)
        {
            long[] source = workload.CreateSource();
            long[] expected = MapVariant.All[0].Run(source, workload.Function, pool).Result;
            var variants = settings.Streamed ? [.. MapVariant.All, MapVariant.Streamed] : MapVariant.All;
            var rows = new List<Sample>();
            foreach (MapVariant variant in variants)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long[] check = await variant.Run(source, workload.Function, pool);
                if (!check.AsSpan().SequenceEqual(expected))
                {
                    throw new InvalidOperationException($"{variant.Name} computed a different result on the {workload.Name} workload.");
                }

                IReadOnlyList<double> times = await Stopwatches.TimeAsync(async () => await variant.Run(source, workload.Function, pool), settings.Warmups, settings.Runs);
                rows.Add(new Sample(workload.Name, variant.Name, workload.Count, times));
            }

            double sequential = rows[0].MedianMs;
            foreach (Sample row in rows)
            {
                if (settings.Json)
                {
                    json.WriteLine(System.Text.Json.JsonSerializer.Serialize(BenchRecord.From("map", row, sequential), BenchJsonContext.Default.BenchRecord));
                }
            }

            if (!settings.Json)
            {
                console.Write(Table(workload, rows, sequential));
            }

            samples.AddRange(rows);
        }

        return samples;
    }

    internal static Table Table(MapWorkload workload, IReadOnlyList<Sample> rows, double sequentialMs)
    {
        var table = new Table()
            .Title($"[bold]{workload.Name}[/]: {Markup.Escape(workload.Description)}, {workload.Count:N0} items")
            .AddColumn("variant")
            .AddColumn(new TableColumn("median ms").RightAligned())
            .AddColumn(new TableColumn("min ms").RightAligned())
            .AddColumn(new TableColumn("max ms").RightAligned())
            .AddColumn(new TableColumn("vs sequential").RightAligned());
        foreach (Sample row in rows)
        {
            double ratio = sequentialMs / row.MedianMs;
            string color = ratio >= 1.0 ? "green" : "yellow";
            table.AddRow(row.Variant, $"{row.MedianMs:F1}", $"{row.MinMs:F1}", $"{row.MaxMs:F1}", $"[{color}]{ratio:F2}×[/]");
        }

        return table;
    }
}
