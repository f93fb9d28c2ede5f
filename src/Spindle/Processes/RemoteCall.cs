using System.Text.Json;
using Spindle.Pools;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// A call on its way to a worker process and back: a single submit or a map chunk. The pool moves it
/// between states under its lock; the thread that moves it to <see cref="CallState.Done"/> completes it,
/// outside the lock.
/// </summary>
internal abstract class RemoteCall(PoolKind kind, int priority, CancellationToken cancellationToken)
{
    internal PoolKind Kind { get; } = kind;

    internal int Priority { get; } = priority;

    internal CancellationToken CancellationToken { get; } = cancellationToken;

    // Everything below is written and read under the pool's lock, except Registration and Pool: set under it
    // before the call can be cancelled, then read by the cancellation callback and by completion outside it.
    internal long Id { get; set; }

    internal WorkKey Key { get; set; }

    internal CallState State { get; set; }

    internal WorkerConnection? Owner { get; set; }

    /// <summary>Which run this is, from 1; crash retries and the reruns of a crashed chunk's items raise it.</summary>
    internal int Attempt { get; set; } = 1;

    /// <summary>This call's own limit, instead of <see cref="ProcessPoolOptions.CallTimeout"/>: past it the worker is killed.</summary>
    internal TimeSpan? Timeout { get; init; }

    /// <summary>Never refused or marked as poison by this pool: its caller has a retry policy of its own (a queue's job).</summary>
    internal bool ExemptFromPoison { get; init; }

    /// <summary>Runs alone on its worker (a suspect after a crash), so a crash is surely its own.</summary>
    internal bool Isolated { get; set; }

    internal CancellationTokenRegistration Registration { get; set; }

    /// <summary>The pool that admitted the call, for its cancellation callback.</summary>
    internal ProcessPool? Pool { get; set; }

    internal void CancelThroughOwner() => Pool?.Cancel(this);

    internal abstract int ItemCount { get; }

    /// <summary>Where the handler's progress reports go, or <see langword="null"/> when nobody listens.</summary>
    internal virtual IProgress<TaskProgress>? Progress => null;

    /// <summary>The frame type a worker answers this call with.</summary>
    internal abstract FrameType AnswerType { get; }

    /// <summary>Identifies the kind and arguments, for remembering poison calls.</summary>
    internal abstract int Fingerprint { get; }

    internal abstract void WriteFrame(FrameBuffer buffer);

    /// <summary>Decodes the worker's answer and completes the call.</summary>
    internal abstract void Complete(Frame frame);

    /// <summary>Fails the whole call.</summary>
    internal abstract void Fail(Exception exception);

    /// <summary>Splits a chunk of several items into single-item calls, to rerun them one by one after a crash.</summary>
    internal abstract bool TrySplit(out RemoteCall[] parts);

    /// <summary>The exception a caller sees for a failure a worker reported.</summary>
    internal static Exception ToException(TaskFailure failure, CancellationToken cancellationToken) => failure.Kind switch
    {
        TaskFailureKind.Cancelled => new OperationCanceledException($"Task '{failure.TaskKind}' was cancelled: {failure.Message}", cancellationToken),
        TaskFailureKind.Crash => new WorkerCrashedException(failure),
        TaskFailureKind.Timeout => new TaskTimeoutException(failure),
        _ when failure.ErrorType == typeof(TaskArgumentException).FullName => new TaskArgumentException(failure.TaskKind, failure.Message),
        _ => new RemoteTaskException(failure),
    };

    private protected static Exception Decode(byte status, ReadOnlySpan<byte> json, string kind, CancellationToken cancellationToken)
    {
        TaskFailure? failure = null;
        if (status == WireFormat.Failed)
        {
            try
            {
                failure = JsonSerializer.Deserialize(json, TaskFailureJson.Default.TaskFailure);
            }
            catch (JsonException)
            {
                // Reported below as a result the pool cannot read.
            }
        }

        failure ??= new TaskFailure
        {
            Kind = TaskFailureKind.Lost,
            TaskKind = kind,
            Message = $"The worker answered with status {status} and a payload the pool cannot read.",
        };
        return ToException(failure, cancellationToken);
    }

    private protected static Exception Unreadable(string kind, Type resultType, Exception e) =>
        new RemoteTaskException(
            new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = kind, ErrorType = e.GetType().FullName, Message = $"The result could not be read as {resultType.Name}: {e.Message}" });

    private protected int FingerprintOf(ReadOnlySpan<byte> arguments)
    {
        var hash = default(HashCode);
        hash.Add(Kind.Id);
        hash.AddBytes(arguments);
        return hash.ToHashCode();
    }
}
