namespace Spindle.Pools;

/// <summary>One submitted call: the work and the task its caller holds.</summary>
internal sealed class SubmittedCall<TResult> : WorkItem
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Exactly one of the two is set, at construction.
    private readonly Func<CancellationToken, ValueTask<TResult>>? _asyncWork;
    private readonly Func<TResult>? _syncWork;

    internal SubmittedCall(Func<CancellationToken, ValueTask<TResult>> work) => _asyncWork = work;

    internal SubmittedCall(Func<TResult> work) => _syncWork = work;

    internal Task<TResult> Task => _completion.Task;

    public override ValueTask<bool> ExecuteAsync()
    {
        ValueTask<TResult> running;
        try
        {
            if (_syncWork is not null)
            {
                _completion.TrySetResult(_syncWork());
                return new ValueTask<bool>(true);
            }

            running = _asyncWork!(CancellationToken);
        }
        catch (Exception ex)
        {
            return new ValueTask<bool>(Fail(ex));
        }

        if (running.IsCompletedSuccessfully)
        {
            _completion.TrySetResult(running.Result);
            return new ValueTask<bool>(true);
        }

        return AwaitAsync(running);
    }

    private async ValueTask<bool> AwaitAsync(ValueTask<TResult> running)
    {
        try
        {
            _completion.TrySetResult(await running.ConfigureAwait(false));
            return true;
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    private bool Fail(Exception ex)
    {
        if (ex is OperationCanceledException oce && CancellationToken.IsCancellationRequested)
        {
            _completion.TrySetCanceled(oce.CancellationToken.IsCancellationRequested ? oce.CancellationToken : CancellationToken);
        }
        else
        {
            _completion.TrySetException(ex);
        }

        return false;
    }

    public override void Abandon(Exception reason)
    {
        if (reason is OperationCanceledException oce)
        {
            _completion.TrySetCanceled(oce.CancellationToken);
        }
        else
        {
            _completion.TrySetException(reason);
        }
    }
}
