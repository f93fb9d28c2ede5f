namespace Spindle.Pipelines;

/// <summary>Where an <see cref="Emitter{T}"/> delivers full segments: a stage's buffer, or an ordered stage's slot.</summary>
internal abstract class SegmentTarget<T>
{
    /// <summary>An empty array to fill, of the segment size of the buffer the items are bound for.</summary>
    internal abstract T[] Rent();

    /// <summary>
    /// Delivers a segment, waiting on <paramref name="waiter"/> (the writer's own) while the buffer is full.
    /// False when the run stopped and the segment was dropped.
    /// </summary>
    internal abstract ValueTask<bool> WriteAsync(Segment<T> segment, PermitWaiter<T> waiter);
}
