namespace Spindle.Pipelines;

/// <summary>
/// The place of one input segment in an ordered stage's output: its worker fills it, the sequencer
/// delivers it downstream once every earlier slot has gone.
/// </summary>
internal sealed class OrderedSlot<T>(StageBuffer<T> downstream) : SegmentTarget<T>
{
    // Written by the slot's one worker before Done completes; read by the sequencer after.
    internal List<Segment<T>> Segments { get; } = [];

    internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal override T[] Rent() => downstream.Rent();

    internal override ValueTask<bool> WriteAsync(Segment<T> segment, PermitWaiter<T> waiter)
    {
        Segments.Add(segment);
        return new ValueTask<bool>(true);
    }
}
