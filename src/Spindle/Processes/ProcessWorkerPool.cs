using System.Runtime.ExceptionServices;
using System.Text;
using Spindle.Pools;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// The process pool's state machine. One lock (<see cref="Gate"/>) guards the queue, the workers and every
/// call's state; frames are encoded under it into each worker's pending buffer and written outside it.
/// </summary>
/// <remarks>
/// Dispatch keeps up to <c>_depth</c> calls in flight per worker so that tiny calls share pipe writes, and
/// lowers it to one as calls get slower, so that a long call does not hold others back. A worker runs its
/// calls in order and writes each answer before it starts the next, so when it dies the oldest unanswered
/// call is the one that was running and the rest never started: they are requeued, not failed.
/// </remarks>
internal sealed partial class ProcessWorkerPool : ProcessPool
{
    private const int MaxDepth = 64;
    private const int MaxRememberedCrashes = 1024;
    private const int StartFailuresBeforeBroken = 3;
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(24);

    private readonly TaskCatalog _catalog;
    private readonly ProcessPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly Action<WorkerOutputLine> _output;
    private readonly byte[] _initializerArguments;

    // Guarded by Gate.
    private readonly PriorityQueue<RemoteCall, WorkKey> _queue = new();
    private readonly List<WorkerConnection> _workers = [];
    private readonly Queue<TaskCompletionSource> _roomWaiters = new();
    private readonly Dictionary<string, PoolKind> _kinds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _crashesByFingerprint = [];
    private readonly HashSet<int> _poison = [];
    private int _queued;
    private long _sequence;
    private long _nextCallId;
    private int _nextWorkerId;
    private int _depth = 1; // until the first answers tell how long calls take
    private double _serviceSeconds;
    private int _startFailures;
    private int _pendingStarts;
    private Exception? _broken;
    private bool _disposing;
    private bool _killing;
    private Task? _disposal;
    private TaskCompletionSource? _drained;
    private long _completed;
    private long _crashed;
    private long _timedOut;
    private long _workersStarted;
    private long _workersLost;
    private long _workersRecycled;

    private ProcessWorkerPool(TaskCatalog catalog, ProcessPoolOptions options)
    {
        _catalog = catalog;
        _options = options;
        _time = options.TimeProvider;
        _startedAt = _time.GetTimestamp();
        _output = options.OnWorkerOutput ?? (line => Console.Error.WriteLine($"[worker {line.WorkerId}] {line.Line}"));
        _initializerArguments = Encoding.UTF8.GetBytes(options.InitializerArguments);
    }

    internal Lock Gate { get; } = new();

    public override string Name => _options.Name;

    public override int WorkerCount => _options.WorkerCount;

    public override IReadOnlyList<WorkerInfo> Workers
    {
        get
        {
            lock (Gate)
            {
                return [.. _workers.Select(w => w.Snapshot())];
            }
        }
    }

    public override ProcessPoolStats Stats
    {
        get
        {
            lock (Gate)
            {
                return new ProcessPoolStats(_completed, _crashed, _timedOut, _workersStarted, _workersLost, _workersRecycled);
            }
        }
    }

    internal override TaskCatalog Catalog => _catalog;

    internal override int MaxPayloadBytes => _options.MaxPayloadBytes;

    internal static async Task<ProcessPool> LaunchAsync(TaskCatalog catalog, ProcessPoolOptions options, CancellationToken cancellationToken)
    {
        if (options.InitializerKind is { } initializer && !catalog.Contains(initializer))
        {
            throw new TaskArgumentException(initializer, $"ProcessPoolOptions.InitializerKind '{initializer}' is not registered in the catalog.");
        }

        catalog.Freeze();
        var pool = new ProcessWorkerPool(catalog, options) { _pendingStarts = options.WorkerCount };
        Task[] starts = [.. Enumerable.Range(0, options.WorkerCount).Select(_ => pool.StartWorkerAsync(cancellationToken))];
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            Exception first = starts.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null)
                ?? new OperationCanceledException($"Process pool '{options.Name}' did not start.");
            ExceptionDispatchInfo.Throw(first);
        }

        return pool;
    }

    internal override ValueTask EnqueueAsync(RemoteCall call)
    {
        if (call.CancellationToken.IsCancellationRequested)
        {
            call.State = CallState.Done;
            call.Fail(new OperationCanceledException(call.CancellationToken));
            return default;
        }

        // A chunk queued here is written by this thread once the lock is released, not by a pool thread.
        WorkerConnection.MayFlushInline();
        try
        {
            lock (Gate)
            {
                ThrowIfClosed();
                if (_poison.Count > 0 && !call.ExemptFromPoison && _poison.Contains(call.Fingerprint))
                {
                    call.State = CallState.Done;
                    call.Fail(Poisoned(call, null));
                    return default;
                }

                if (_queued < _options.QueueCapacity)
                {
                    Admit(call);
                    Pump();
                    return default;
                }
            }
        }
        finally
        {
            WorkerConnection.FlushLeftToThisThread();
        }

        return WaitForRoomAsync(call);
    }

    internal override PoolKind KindOf(string name)
    {
        lock (Gate)
        {
            if (!_kinds.TryGetValue(name, out PoolKind? kind))
            {
                kind = new PoolKind(_kinds.Count + 1, name);
                _kinds.Add(name, kind);
            }

            return kind;
        }
    }

    /// <summary>Passes a running call's progress report to its caller; a report for a call already answered is dropped.</summary>
    internal void OnProgress(WorkerConnection worker, Frame frame)
    {
        var payload = new PayloadReader(frame.Payload.Span, frame.Type);
        long id = payload.ReadInt64();
        double fraction = payload.ReadDouble();
        IProgress<TaskProgress>? progress = null;
        lock (Gate)
        {
            foreach (RemoteCall call in worker.Outstanding)
            {
                if (call.Id == id)
                {
                    progress = call.Progress;
                    break;
                }
            }
        }

        if (progress is null)
        {
            return;
        }

        string text = payload.ReadUtf8Rest();
        try
        {
            progress.Report(new TaskProgress(fraction, text.Length == 0 ? null : text));
        }
        catch (Exception e)
        {
            // The caller's progress handler is not allowed to take the reader down.
            Console.Error.WriteLine($"A progress handler of process pool '{Name}' threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Takes the answers a worker wrote: matches each to the oldest outstanding call, sends more
    /// work, then completes the calls outside the lock (their payloads are read before the next fill).</summary>
    internal void OnAnswers(WorkerConnection worker, List<Frame> frames)
    {
        var answered = new RemoteCall[frames.Count];
        bool checkMemory;
        lock (Gate)
        {
            // Every answer is checked before any call changes state: garbage in the middle of a batch must not
            // leave the answers before it taken but never completed.
            int index = 0;
            foreach (RemoteCall expected in worker.Outstanding)
            {
                if (index == frames.Count)
                {
                    break;
                }

                Frame frame = frames[index++];
                long id = new PayloadReader(frame.Payload.Span, frame.Type).ReadInt64();
                if (id != expected.Id || frame.Type != expected.AnswerType)
                {
                    throw new ProtocolException($"Worker {worker.Id} answered call {id} with a {frame.Type} frame, but the call it runs is {expected.Id}, answered with {expected.AnswerType}.");
                }
            }

            if (index < frames.Count)
            {
                throw new ProtocolException($"Worker {worker.Id} sent {frames.Count} answers for {index} outstanding calls.");
            }

            for (int i = 0; i < frames.Count; i++)
            {
                RemoteCall head = worker.Outstanding.Dequeue();
                head.State = CallState.Done;
                head.Owner = null;
                worker.HoldsIsolated &= !head.Isolated;
                answered[i] = head;
                worker.CallsCompleted++;
                _completed += head.ItemCount;
                if (_crashesByFingerprint.Count > 0)
                {
                    _crashesByFingerprint.Remove(head.Fingerprint);
                }
            }

            long now = _time.GetTimestamp();
            double seconds = _time.GetElapsedTime(worker.HeadStartedAt, now).TotalSeconds / frames.Count;
            _serviceSeconds = _serviceSeconds == 0 ? seconds : (0.8 * _serviceSeconds) + (0.2 * seconds);
            _depth = _serviceSeconds > 0.001 ? 1 : (int)Math.Clamp(0.002 / Math.Max(_serviceSeconds, 1e-7), 2, MaxDepth);
            worker.HeadStartedAt = now;
            ArmDeadline(worker);
            if (_options.MaxCallsPerWorker is { } limit && worker.CallsCompleted >= limit)
            {
                Retire(worker);
            }

            checkMemory = _options.MaxWorkerMemoryBytes is not null && worker.State == WorkerState.Ready;
            Pump();
            CheckDrained();
        }

        // Before the calls complete: a caller that submits again on completion must find the worker retired.
        if (checkMemory && WorkingSet(worker) > _options.MaxWorkerMemoryBytes)
        {
            lock (Gate)
            {
                Retire(worker);
            }
        }

        for (int i = 0; i < answered.Length; i++)
        {
            answered[i].Registration.Dispose();
            try
            {
                answered[i].Complete(frames[i]);
            }
            catch (Exception e)
            {
                // An answer that cannot be read (a malformed payload, a result the type cannot take, a
                // constructor that throws) fails its own call; the others in the batch still complete.
                answered[i].Fail(e is ProtocolException
                    ? new RemoteTaskException(new TaskFailure { Kind = TaskFailureKind.Lost, TaskKind = answered[i].Kind.Name, Message = $"The worker's answer could not be read: {e.Message}" })
                    : e);
            }
        }
    }

    internal override void Cancel(RemoteCall call)
    {
        lock (Gate)
        {
            switch (call.State)
            {
                case CallState.Queued:
                    call.State = CallState.Done;
                    _queued--;
                    ReleaseRoom();
                    CheckDrained();
                    break;
                case CallState.Sent when call.Owner is { } owner:
                    owner.Pending.BeginFrame(FrameType.Cancel);
                    owner.Pending.WriteInt64(call.Id);
                    owner.Pending.EndFrame();
                    owner.RequestFlush();
                    return;
                default:
                    return;
            }
        }

        call.Fail(new OperationCanceledException(call.CancellationToken));
    }

    private void Admit(RemoteCall call)
    {
        double waited = _time.GetElapsedTime(_startedAt).TotalSeconds;
        call.Key = new WorkKey(WorkKey.RankOf(call.Priority, _options.AgingRate, waited), ++_sequence);
        call.State = CallState.Queued;
        call.Pool = this;
        _queue.Enqueue(call, call.Key);
        _queued++;
        if (call.CancellationToken.CanBeCanceled)
        {
            call.Registration = call.CancellationToken.UnsafeRegister(static s => ((RemoteCall)s!).CancelThroughOwner(), call);
        }
    }

    /// <summary>Puts a call back in the queue (it never started, or it runs again); a call whose token was
    /// cancelled meanwhile is completed as cancelled instead, since its cancel frame died with its worker.</summary>
    private void Requeue(RemoteCall call, List<(RemoteCall, Exception)> completions)
    {
        call.Owner = null;
        if (call.CancellationToken.IsCancellationRequested)
        {
            call.State = CallState.Done;
            completions.Add((call, new OperationCanceledException(call.CancellationToken)));
            return;
        }

        call.State = CallState.Queued;
        _queue.Enqueue(call, call.Key);
        _queued++;
        if (call.Pool is null)
        {
            // A part of a split chunk: it answers to the map's token like the chunk did. Registered after the
            // state is set, so a token that fires right now finds it queued and cancels it once.
            call.Pool = this;
            if (call.CancellationToken.CanBeCanceled)
            {
                call.Registration = call.CancellationToken.UnsafeRegister(static s => ((RemoteCall)s!).CancelThroughOwner(), call);
            }
        }
    }

    /// <summary>Sends queued calls to workers with room, most urgent first.</summary>
    private void Pump()
    {
        while (_queue.TryPeek(out RemoteCall? call, out _))
        {
            if (call.State != CallState.Queued)
            {
                _queue.Dequeue();
                continue;
            }

            WorkerConnection? worker = Pick(call);
            if (worker is null)
            {
                break;
            }

            _queue.Dequeue();
            _queued--;
            Send(worker, call);
        }

        ReleaseRoom();
        foreach (WorkerConnection worker in _workers)
        {
            if (worker.State == WorkerState.Retiring)
            {
                ShutdownIfIdle(worker);
            }
        }
    }

    private WorkerConnection? Pick(RemoteCall call)
    {
        WorkerConnection? best = null;

        // A map chunk keeps one more queued behind it even when calls are slow: it is bulk work of one map,
        // and a worker that finished a chunk should not wait a round trip to the pool for the next.
        int limit = call.Isolated ? 1 : call.ItemCount > 1 ? Math.Max(_depth, 2) : _depth;
        foreach (WorkerConnection worker in _workers)
        {
            if (worker.State == WorkerState.Ready && worker.Verdict is null && !worker.HoldsIsolated && worker.Outstanding.Count < limit && !Spent(worker) &&
                (best is null || worker.Outstanding.Count < best.Outstanding.Count))
            {
                best = worker;
            }
        }

        return best;
    }

    /// <summary>Whether the worker has been sent all the calls it may answer before it is recycled.</summary>
    private bool Spent(WorkerConnection worker) =>
        _options.MaxCallsPerWorker is { } limit && worker.CallsCompleted + worker.Outstanding.Count >= limit;

    private void Send(WorkerConnection worker, RemoteCall call)
    {
        FrameBuffer frames = worker.Pending;
        if (worker.DefinedKinds.Add(call.Kind.Id))
        {
            frames.BeginFrame(FrameType.DefineKind);
            frames.WriteInt32(call.Kind.Id);
            frames.WriteUtf8(call.Kind.Name);
            frames.EndFrame();
        }

        call.Id = ++_nextCallId;
        call.State = CallState.Sent;
        call.Owner = worker;
        call.WriteFrame(frames);
        worker.Outstanding.Enqueue(call);
        worker.HoldsIsolated |= call.Isolated;
        if (worker.Outstanding.Count == 1)
        {
            worker.HeadStartedAt = _time.GetTimestamp();
            ArmDeadline(worker);
        }

        worker.RequestFlush();
    }

    private async ValueTask WaitForRoomAsync(RemoteCall call)
    {
        while (true)
        {
            TaskCompletionSource room;
            WorkerConnection.MayFlushInline();
            try
            {
                lock (Gate)
                {
                    ThrowIfClosed();
                    if (_queued < _options.QueueCapacity)
                    {
                        Admit(call);
                        Pump();
                        return;
                    }

                    room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _roomWaiters.Enqueue(room);
                }
            }
            finally
            {
                WorkerConnection.FlushLeftToThisThread();
            }

            await room.Task.WaitAsync(call.CancellationToken).ConfigureAwait(false);
        }
    }

    private void ReleaseRoom()
    {
        int room = _options.QueueCapacity - _queued;
        while (room-- > 0 && _roomWaiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            waiter.TrySetResult();
        }
    }

    private void ReleaseAllRoomWaiters(Exception error)
    {
        while (_roomWaiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            waiter.TrySetException(error);
        }
    }

    private void ThrowIfClosed()
    {
        if (_broken is not null)
        {
            throw new InvalidOperationException($"Process pool '{Name}' is broken: no worker could be started. {_broken.Message}", _broken);
        }

        ObjectDisposedException.ThrowIf(_disposing, $"ProcessPool '{Name}'");
    }

    private void CheckDrained()
    {
        if (_drained is not null && _queued == 0 && _workers.All(w => w.Outstanding.Count == 0))
        {
            _drained.TrySetResult();
        }
    }

    private static void Complete(List<(RemoteCall Call, Exception Error)> completions)
    {
        foreach ((RemoteCall call, Exception error) in completions)
        {
            call.Registration.Dispose();
            call.Fail(error);
        }
    }

    private static long WorkingSet(WorkerConnection worker)
    {
        try
        {
            worker.Process.Refresh();
            return worker.Process.WorkingSet64;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return 0;
        }
    }
}
