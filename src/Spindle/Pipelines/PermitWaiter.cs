using System.Threading.Tasks.Sources;

namespace Spindle.Pipelines;

/// <summary>
/// A writer's reusable wait for room in a <see cref="StageBuffer{T}"/>: one per writer, armed each time
/// the buffer is full, so waiting allocates nothing. Granted with <see langword="true"/> once its segment
/// is in the buffer, or <see langword="false"/> when the run was stopped.
/// </summary>
internal sealed class PermitWaiter<T> : IValueTaskSource<bool>
{
    // Armed by the owning writer under the buffer's lock; completed once by whoever grants or aborts it.
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    /// <summary>The segment waiting to enter; written when armed, read by the granter under the buffer's lock.</summary>
    internal Segment<T> Segment { get; private set; }

    internal ValueTask<bool> Arm(Segment<T> segment)
    {
        _core.Reset();
        Segment = segment;
        return new ValueTask<bool>(this, _core.Version);
    }

    internal void Complete(bool admitted) => _core.SetResult(admitted);

    public bool GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
