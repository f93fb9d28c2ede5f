namespace Spindle.Pipelines;

/// <summary>
/// One stage's counts during one run. Workers add to them once per segment (Interlocked), never per item;
/// snapshots and the metric callbacks read them.
/// </summary>
internal sealed class StageCounters(string name, string kind, int workers)
{
    internal string Name { get; } = name;

    internal string Kind { get; } = kind;

    internal int Workers { get; } = workers;

    /// <summary>Items taken from the buffer in front. Interlocked, by workers.</summary>
    internal long ItemsIn;

    /// <summary>Items delivered downstream. Interlocked, by workers (at each segment they deliver).</summary>
    internal long ItemsOut;

    /// <summary>Items the delegate threw on. Interlocked, by workers.</summary>
    internal long Failed;

    /// <summary>Timestamp ticks workers spent on items, less time blocked on a full buffer downstream. Interlocked.</summary>
    internal long BusyTicks;

    /// <summary>Workers busy with a segment now. Interlocked by workers (Volatile by the one sink); read by snapshots.</summary>
    internal int BusyWorkers;

    /// <summary>Whether the busy time of this row is measured (not for the source, nor an enumerated output).</summary>
    internal bool MeasuresBusy { get; init; } = true;

    /// <summary>The buffer in front of the stage, once the run has built it; set before any worker starts.</summary>
    internal Func<int>? Depth { get; set; }

    internal Func<int>? Peak { get; set; }

    internal int Capacity { get; set; }
}
