using System.Runtime.CompilerServices;

namespace Spindle.Cli.Workloads;

/// <summary>One of the tutorial's MapCompare workloads: a function over a range of longs.</summary>
internal sealed record MapWorkload(string Name, int Count, Func<long, long> Function, string Description)
{
    /// <summary><c>x*x</c>: so little work per item that overhead decides the race.</summary>
    internal static MapWorkload Trivial(int count = 10_000_000) =>
        new("trivial", count, Square, "x*x per item");

    /// <summary>200 rounds of <c>acc = (acc*31 + i) &amp; 0xFFFFFFFF</c> per item, starting from the item.</summary>
    internal static MapWorkload Heavy(int count = 200_000) =>
        new("heavy", count, Mix, "200 rounds of acc = (acc*31 + i) & 0xFFFFFFFF per item");

    // Fully optimised from the first call, so that no variant is timed against tier-0 code of the
    // function while another gets the optimised one.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Square(long x) => unchecked(x * x);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Mix(long x)
    {
        long acc = x;
        for (int i = 0; i < 200; i++)
        {
            acc = unchecked((acc * 31) + i) & 0xFFFFFFFF;
        }

        return acc;
    }

    internal long[] CreateSource()
    {
        var source = new long[Count];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = i;
        }

        return source;
    }
}
