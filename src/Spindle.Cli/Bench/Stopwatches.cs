using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>Times an operation: warm-up runs first, then measured runs, a full GC between runs.</summary>
internal static class Stopwatches
{
    internal static async Task<IReadOnlyList<double>> TimeAsync(Func<ValueTask> operation, int warmups, int runs)
    {
        for (int i = 0; i < warmups; i++)
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
