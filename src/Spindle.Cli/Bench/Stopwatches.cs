using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>Times an operation: warm-up runs first, then measured runs, a full GC between runs.</summary>
internal static class Stopwatches
{
    /// <summary>
    /// Warms up with at least <paramref name="warmups"/> runs and for at least <paramref name="warmupTime"/>:
    /// tiered compilation recompiles hot code in the background for a second or so, in this process and in worker
    /// processes, and a run timed before it settles measures the JIT (BenchmarkDotNet, too, warms up over many
    /// iterations before it measures).
    /// </summary>
    internal static async Task<IReadOnlyList<double>> TimeAsync(Func<ValueTask> operation, int warmups, int runs, TimeSpan warmupTime = default)
    {
        long warming = Stopwatch.GetTimestamp();
        for (long i = 0; i < warmups || Stopwatch.GetElapsedTime(warming) < warmupTime; i++)
        {
            await operation();
        }

        var times = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long start = Stopwatch.GetTimestamp();
            await operation();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return times;
    }
}
