namespace Spindle.Pipelines;

/// <summary>How the buffer in front of a stage (or the output) is laid out: chosen by the stage that reads it.</summary>
internal readonly record struct BufferShape(int Capacity, int SegmentSize, bool SingleReader)
{
    /// <summary>The most items handed over at once.</summary>
    internal const int MaxSegment = 256;

    /// <summary>
    /// About a quarter of the buffer per segment, shared out among the readers so each worker can have its
    /// own; never more than the buffer, so a segment always fits. An async delegate run by several workers
    /// gets its items one at a time: it is waiting on I/O, and a segment would keep items from idle workers.
    /// </summary>
    internal static BufferShape For(int capacity, int readers, bool itemAtATime)
    {
        int size = itemAtATime && readers > 1 ? 1 : Math.Clamp(capacity / (4 * readers), 1, MaxSegment);
        return new BufferShape(capacity, size, readers == 1);
    }
}
