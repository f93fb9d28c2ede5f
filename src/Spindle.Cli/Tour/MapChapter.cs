using Spectre.Console;
using Spindle.Cli.Bench;
using Spindle.Cli.Workloads;
using Spindle.Pools;

namespace Spindle.Cli.Tour;

/// <summary>MapCompare, short form: the same map four ways, and what parallelism buys on this machine.</summary>
internal sealed class MapChapter : TourChapter
{
    internal override string Name => "map";

    internal override string Title => "map: one function over many items, four ways";

    internal override string Summary => "MapCompare: sequential loop vs WorkerPool.MapAsync vs Parallel.For vs PLINQ, with speed-ups.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine("Python's [blue]pool.map(f, items)[/] is [blue]await pool.MapAsync(items, f).ToArrayAsync()[/] here.");
        console.MarkupLine("A [italic]heavy[/] item is worth spreading over the cores; a [italic]trivial[/] one costs less than handing it over,");
        console.MarkupLine("so the pool chunks items automatically (Python makes you pick [blue]chunksize[/]).");
        console.WriteLine();

        var settings = new MapBenchmark.Settings(TrivialCount: 2_000_000, HeavyCount: 50_000, Runs: 3, Warmups: 2, Json: false, Streamed: false, Workloads: "all");
        IReadOnlyList<Sample> samples = await new MapBenchmark(console, TextWriter.Null).RunAsync(settings, cancellationToken);

        Sample Find(string workload, string variant) => samples.First(s => s.Workload == workload && s.Variant == variant);
        double heavySpeedup = Find("heavy", "sequential").MedianMs / Find("heavy", "workerpool").MedianMs;
        console.MarkupLine($"On {Environment.ProcessorCount} cores the heavy map ran [green]{heavySpeedup:F2}×[/] faster on the WorkerPool than in a loop.");
        console.MarkupLine("The trivial map is memory-bound: no variant beats a plain loop by much, and the point is not to lose to it badly.");
        console.MarkupLine("[grey]Full-size numbers: spindle bench map (docs/benchmarks.md).[/]");
    }
}
