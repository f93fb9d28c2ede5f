namespace Spindle.Pipelines;

/// <summary>Where an <see cref="Emitter{T}"/> delivers full segments: a stage's buffer, or an ordered stage's slot.</summary>
internal abstract class SegmentTarget<T>
{
    /// <summary>An empty array to fill, of the segment size of the buffer the items are bound for.</summary>
    internal abstract T[] Rent();

    /// <summary>Delivers a segment; waits while the buffer it goes to is full.</summary>
    internal abstract ValueTask WriteAsync(Segment<T> segment, CancellationToken cancellationToken);
}
