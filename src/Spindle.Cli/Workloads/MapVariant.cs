using System.Runtime.CompilerServices;
using Spindle.Pools;

namespace Spindle.Cli.Workloads;

/// <summary>One way to map a function over an array: the contenders of MapCompare.</summary>
internal sealed record MapVariant(string Name, string Label, Func<long[], Func<long, long>, WorkerPool, ValueTask<long[]>> Run)
{
    internal static IReadOnlyList<MapVariant> All { get; } =
    [
        new("sequential", "sequential loop", (source, f, _) => ValueTask.FromResult(Sequential(source, f))),
        new("workerpool", "WorkerPool.MapAsync", (source, f, pool) => pool.MapAsync(source, f).ToArrayAsync()),
        new("parallel-for", "Parallel.For", (source, f, _) => ValueTask.FromResult(ParallelFor(source, f))),
        new("plinq", "PLINQ", (source, f, _) => ValueTask.FromResult(source.AsParallel().AsOrdered().Select(f).ToArray())),
    ];

    /// <summary>The ordered map streamed item by item instead of collected: what <c>imap</c> costs.</summary>
    internal static MapVariant Streamed { get; } = new("workerpool-stream", "WorkerPool.MapAsync, streamed", StreamAsync);

    // The loop is timed on its first runs; without this it would run tier-0 code for part of them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long[] Sequential(long[] source, Func<long, long> f)
    {
        var results = new long[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            results[i] = f(source[i]);
        }

        return results;
    }

    private static long[] ParallelFor(long[] source, Func<long, long> f)
    {
        var results = new long[source.Length];
        Parallel.For(0, source.Length, i => results[i] = f(source[i]));
        return results;
    }

    private static async ValueTask<long[]> StreamAsync(long[] source, Func<long, long> f, WorkerPool pool)
    {
        var results = new long[source.Length];
        int i = 0;
        await foreach (long value in pool.MapAsync(source, f))
        {
            results[i++] = value;
        }

        return results;
    }
}
