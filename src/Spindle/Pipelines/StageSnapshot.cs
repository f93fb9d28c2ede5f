namespace Spindle.Pipelines;

/// <summary>One row of a <see cref="PipelineSnapshot"/>: the source, a stage, or the sink.</summary>
/// <param name="Name">The stage's name; <c>source</c> and <c>sink</c> for the ends.</param>
/// <param name="Kind">map, process (a map on a process pool), filter, flat-map, tap, batch, source or sink.</param>
/// <param name="Workers">The stage's worker count.</param>
/// <param name="BusyWorkers">Workers busy with items at the moment of the snapshot.</param>
/// <param name="ItemsIn">Items the stage has taken from its buffer.</param>
/// <param name="ItemsOut">Items it has handed on (counted as each segment leaves).</param>
/// <param name="Failed">Items its delegate threw on.</param>
/// <param name="Buffered">Items waiting in the buffer in front of it.</param>
/// <param name="BufferCapacity">That buffer's bound (0 for the source, which has none).</param>
/// <param name="PeakBuffered">The most items that buffer has held at once.</param>
/// <param name="BusyTime">Time its workers spent on items, added up; not time spent blocked on a full buffer.</param>
/// <param name="Utilization">Busy time over (workers × elapsed): near 1 for the bottleneck; <see langword="null"/> where not measured.</param>
public sealed record StageSnapshot(
    string Name,
    string Kind,
    int Workers,
    int BusyWorkers,
    long ItemsIn,
    long ItemsOut,
    long Failed,
    int Buffered,
    int BufferCapacity,
    int PeakBuffered,
    TimeSpan BusyTime,
    double? Utilization)
{
    /// <summary>Busy time per item taken in; <see cref="TimeSpan.Zero"/> before the first item.</summary>
    public TimeSpan TimePerItem => ItemsIn == 0 ? TimeSpan.Zero : BusyTime / ItemsIn;
}
