using System.Diagnostics;

namespace Spindle.Pools;

/// <summary>
/// Chooses how many items a map hands a worker at once (Python's <c>chunksize</c>): enough that the
/// per-chunk overhead vanishes, few enough that every worker stays busy and the tail stays short.
/// </summary>
/// <remarks>
/// The size aims at <see cref="TargetChunkSeconds"/> of work per chunk, from a moving average of the
/// measured cost per item. Until the first chunk is measured the producer sends single items, so slow
/// items are never lumped together on a guess.
/// </remarks>
internal sealed class ChunkSizer
{
    internal const double TargetChunkSeconds = 200e-6;

    private readonly int? _fixed;
    private readonly int _max;
    private readonly double _targetTicks;

    // Written by any worker finishing a chunk, read by the producer; a torn race between two writers
    // only blends two measurements, so no lock. -1 until the first measurement.
    private double _ticksPerItem = -1;

    // Completed by the first worker to record a chunk; awaited by the producer before it sends more single items.
    private readonly TaskCompletionSource _firstMeasurement = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <remarks>
    /// Work is timed with <see cref="Stopwatch"/>, not the pool's TimeProvider: this measures what items
    /// cost on this CPU, a performance heuristic rather than timing logic, and under a fake clock every
    /// chunk would measure zero.
    /// </remarks>
    internal ChunkSizer(int? fixedSize, int window, int workers)
    {
        _fixed = fixedSize;
        _max = Math.Clamp(window / Math.Max(1, 2 * workers), 1, 65_536);
        _targetTicks = TargetChunkSeconds * Stopwatch.Frequency;
    }

    internal bool HasMeasurement => _fixed is not null || Volatile.Read(ref _ticksPerItem) >= 0;

    internal Task FirstMeasurement => _firstMeasurement.Task;

    internal int NextSize()
    {
        if (_fixed is { } size)
        {
            return size;
        }

        double perItem = Volatile.Read(ref _ticksPerItem);
        if (perItem < 0)
        {
            return 1;
        }

        return perItem <= _targetTicks / _max ? _max : Math.Clamp((int)(_targetTicks / perItem), 1, _max);
    }

    internal void Record(int items, long elapsedTicks)
    {
        if (items <= 0)
        {
            return;
        }

        double sample = (double)elapsedTicks / items;
        double previous = Volatile.Read(ref _ticksPerItem);
        Volatile.Write(ref _ticksPerItem, previous < 0 ? sample : (0.75 * previous) + (0.25 * sample));
        _firstMeasurement.TrySetResult();
    }
}
