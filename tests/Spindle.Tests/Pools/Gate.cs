namespace Spindle.Tests.Pools;

/// <summary>A test hook: calls wait on it until the test opens it; the test can await that a call has entered.</summary>
internal sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    internal Task Entered => _entered.Task.WaitAsync(Patience);

    internal async ValueTask<int> PassAsync(CancellationToken cancellationToken = default)
    {
        _entered.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
        return 0;
    }

    internal void Open() => _open.TrySetResult();
}
