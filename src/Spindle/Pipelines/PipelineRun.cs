namespace Spindle.Pipelines;

/// <summary>
/// One run of a pipeline: the token every stage watches, the first failure, the tasks of every stage,
/// and the counters a snapshot reads.
/// </summary>
internal sealed class PipelineRun : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly List<Task> _tasks = [];
    private readonly CancellationToken _callerToken;

    // Written once (first failure wins, Interlocked) by any worker; read by the consumer after every task ended.
    private PipelineStageException? _failure;

    // Written once by the consumer after the run is built; disposed with the run.
    private CancellationTokenRegistration _stopRegistration;

    // Written by the consumer when the run has ended; read by snapshots. 0 while running.
    private long _finished;

    internal PipelineRun(PipelineOptions options, CancellationToken cancellationToken)
    {
        Options = options;
        _callerToken = cancellationToken;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Started = options.TimeProvider.GetTimestamp();
    }

    internal PipelineOptions Options { get; }

    internal TimeProvider Time => Options.TimeProvider;

    internal Func<StageError, CancellationToken, ValueTask>? ErrorSink => Options.ErrorSink;

    internal CancellationToken Token => _cancellation.Token;

    /// <summary>Source, stages and sink in pipeline order; filled while the run is built, before any task starts.</summary>
    internal List<StageCounters> Rows { get; } = [];

    /// <summary>Every buffer of the run, aborted when it stops; filled while the run is built.</summary>
    internal List<IStageBuffer> Buffers { get; } = [];

    internal long Started { get; }

    internal long Finished => Volatile.Read(ref _finished);

    internal PipelineStageException? Failure => Volatile.Read(ref _failure);

    /// <summary>Starts a task of the run on the thread pool; called only while the run is being built.</summary>
    internal void Spawn(Func<Task> work) => _tasks.Add(Task.Run(work, CancellationToken.None));

    /// <summary>
    /// Called once the run is built: stopping the run from now on (failure, caller's token, consumer gone)
    /// aborts every buffer, which wakes every waiting reader and writer. If it already stopped, at once.
    /// </summary>
    internal void AbortBuffersOnStop() => _stopRegistration = Token.UnsafeRegister(static state =>
    {
        foreach (IStageBuffer buffer in ((PipelineRun)state!).Buffers)
        {
            buffer.Abort();
        }
    }, this);

    /// <summary>Records the first failure and cancels every stage.</summary>
    internal void Fail(PipelineStageException failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _cancellation.Cancel();
        }
    }

    /// <summary>Cancels every stage (the consumer left early).</summary>
    internal void Stop() => _cancellation.Cancel();

    /// <summary>Completes when every task of the run has ended: no stage runs any more after this.</summary>
    internal async Task WhenStoppedAsync()
    {
        // The tasks catch their own exceptions; WhenAll only waits.
        await Task.WhenAll(_tasks).ConfigureAwait(false);
        Volatile.Write(ref _finished, Math.Max(1, Time.GetTimestamp()));
    }

    /// <summary>Throws what ended the run early: the first failure, else the caller's cancellation.</summary>
    internal void ThrowIfEndedEarly()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        _callerToken.ThrowIfCancellationRequested();
    }

    public void Dispose()
    {
        _stopRegistration.Dispose();
        _cancellation.Dispose();
    }
}
