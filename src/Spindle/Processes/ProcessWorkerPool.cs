using System.ComponentModel;
using System.Diagnostics;
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
internal sealed class ProcessWorkerPool : ProcessPool
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
                if (_poison.Count > 0 && _poison.Contains(call.Fingerprint))
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

    /// <summary>The worker wrote something that is not a frame: it cannot be trusted with another call.</summary>
    internal void OnGarbage(WorkerConnection worker, ProtocolException garbage)
    {
        lock (Gate)
        {
            RemoteCall? head = worker.Outstanding.TryPeek(out RemoteCall? h) ? h : null;
            worker.Verdict ??= (new TaskFailure
            {
                Kind = TaskFailureKind.Crash,
                TaskKind = head?.Kind.Name ?? "(none)",
                ErrorType = typeof(WorkerCrashedException).FullName,
                Message = $"Worker {worker.Id} (process {worker.ProcessId}) wrote garbage on its pipe and was killed: {garbage.Message}",
                Reason = "garbage on the pipe",
            }, head);
        }

        worker.Kill();
    }

    /// <summary>A worker process ended: blame the call it was running, requeue the ones it had not started,
    /// start a replacement.</summary>
    internal void OnWorkerExited(WorkerConnection worker, int exitCode)
    {
        var completions = new List<(RemoteCall Call, Exception Error)>();
        lock (Gate)
        {
            worker.State = WorkerState.Exited;
            worker.Deadline?.Dispose();
            _workers.Remove(worker);
            bool asked = worker.ShutdownSent && worker.Outstanding.Count == 0;
            if (!asked)
            {
                _workersLost++;
            }

            if (worker.Outstanding.TryDequeue(out RemoteCall? head))
            {
                head.Owner = null;
                if (_killing)
                {
                    completions.Add((head, ShutDown(head)));
                }
                else
                {
                    Blame(worker, head, exitCode, completions);
                }

                while (worker.Outstanding.TryDequeue(out RemoteCall? unstarted))
                {
                    unstarted.Owner = null;
                    if (_killing)
                    {
                        completions.Add((unstarted, ShutDown(unstarted)));
                    }
                    else
                    {
                        Requeue(unstarted, completions);
                    }
                }
            }

            EnsureWorkers();

            Pump();
            CheckDrained();
        }

        Complete(completions);
    }

    private void Blame(WorkerConnection worker, RemoteCall head, int exitCode, List<(RemoteCall, Exception)> completions)
    {
        if (worker.Verdict is { } other && other.Call != head)
        {
            // Killed for another call (it answered while the kill was on its way): this one is innocent.
            Requeue(head, completions);
            return;
        }

        if (worker.Verdict is { Failure.Kind: TaskFailureKind.Timeout } verdict && verdict.Call == head)
        {
            if (head.TrySplit(out RemoteCall[] parts))
            {
                foreach (RemoteCall part in parts)
                {
                    Requeue(part, completions);
                }

                return;
            }

            head.State = CallState.Done;
            _timedOut++;
            completions.Add((head, new TaskTimeoutException(verdict.Failure)));
            return;
        }

        TaskFailure failure = worker.Verdict is { } garbage && garbage.Call == head
            ? garbage.Failure
            : CrashDiagnosis.Describe(head.Kind.Name, worker.Id, worker.ProcessId, exitCode, worker.Tail.Lines);
        if (head.TrySplit(out RemoteCall[] suspects))
        {
            // Which item of the chunk killed the worker is unknown: rerun each alone, so the next crash names it.
            foreach (RemoteCall suspect in suspects)
            {
                Requeue(suspect, completions);
            }

            return;
        }

        int fingerprint = head.Fingerprint;
        int crashes = _crashesByFingerprint.GetValueOrDefault(fingerprint) + 1;
        if (_crashesByFingerprint.Count < MaxRememberedCrashes || _crashesByFingerprint.ContainsKey(fingerprint))
        {
            _crashesByFingerprint[fingerprint] = crashes;
        }

        head.Crashes = crashes;
        if (crashes >= _options.PoisonAfterCrashes)
        {
            if (_poison.Count < MaxRememberedCrashes)
            {
                _poison.Add(fingerprint);
            }

            head.State = CallState.Done;
            _crashed++;
            completions.Add((head, Poisoned(head, failure)));
        }
        else if (head.Attempt <= _options.CrashRetries)
        {
            head.Attempt++;
            head.Isolated = true;
            Requeue(head, completions);
        }
        else
        {
            head.State = CallState.Done;
            _crashed++;
            completions.Add((head, new WorkerCrashedException(failure)));
        }
    }

    private WorkerCrashedException Poisoned(RemoteCall call, TaskFailure? last) =>
        new(
            new TaskFailure
            {
                Kind = TaskFailureKind.Crash,
                TaskKind = call.Kind.Name,
                ErrorType = typeof(WorkerCrashedException).FullName,
                Message = $"Call of task '{call.Kind.Name}' is poison: it killed {_options.PoisonAfterCrashes} worker(s) in a row, so it fails at once{(last is null ? " without running" : $". Last crash: {last.Message}")}",
                ExitCode = last?.ExitCode,
                Signal = last?.Signal,
                Reason = last?.Reason,
                StackTrace = last?.StackTrace,
            },
            isPoison: true);

    private OperationCanceledException ShutDown(RemoteCall call)
    {
        call.State = CallState.Done;
        return new OperationCanceledException($"Process pool '{Name}' shut down before the call of task '{call.Kind.Name}' finished.");
    }

    private void OnDeadline(WorkerConnection worker)
    {
        bool kill;
        lock (Gate)
        {
            kill = worker.State != WorkerState.Exited && worker.Verdict is null && worker.Outstanding.TryPeek(out RemoteCall? head) && Overdue(worker, head);
            if (worker.Verdict is not null)
            {
                return;
            }

            if (kill)
            {
                RemoteCall call = worker.Outstanding.Peek();
                TimeSpan limit = _options.CallTimeout!.Value * call.ItemCount;
                worker.Verdict = (new TaskFailure
                {
                    Kind = TaskFailureKind.Timeout,
                    TaskKind = call.Kind.Name,
                    Message = $"Task '{call.Kind.Name}' ran past its {limit.TotalMilliseconds:N0} ms timeout on worker {worker.Id} (process {worker.ProcessId}), which was killed and replaced.",
                }, call);
            }
            else
            {
                ArmDeadline(worker);
            }
        }

        if (kill)
        {
            worker.Kill();
        }
    }

    private bool Overdue(WorkerConnection worker, RemoteCall head) =>
        _time.GetElapsedTime(worker.HeadStartedAt) >= _options.CallTimeout!.Value * head.ItemCount;

    private void ArmDeadline(WorkerConnection worker)
    {
        if (_options.CallTimeout is not { } timeout || worker.State == WorkerState.Exited || worker.Verdict is not null)
        {
            return;
        }

        if (!worker.Outstanding.TryPeek(out RemoteCall? head))
        {
            worker.Deadline?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        TimeSpan due = (timeout * head.ItemCount) - _time.GetElapsedTime(worker.HeadStartedAt);
        // Timers take at most about 49 days; a later deadline is re-armed when this one fires.
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxTimerDue ? MaxTimerDue : due;
        worker.Deadline ??= _time.CreateTimer(static w => ((WorkerConnection)w!).Pool.OnDeadline((WorkerConnection)w!), worker, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        worker.Deadline.Change(due, Timeout.InfiniteTimeSpan);
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

    private async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        ProcessStartInfo start = WorkerLauncher.StartInfo(_options);
        int id;
        Process process;
        lock (Gate)
        {
            id = ++_nextWorkerId;
            if (_killing)
            {
                _pendingStarts--;
                throw new OperationCanceledException($"Process pool '{Name}' shut down before worker {id} started.");
            }
        }

        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned no process.");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            lock (Gate)
            {
                _pendingStarts--;
            }

            throw new InvalidOperationException($"Process pool '{Name}' could not start worker program '{WorkerLauncher.Describe(start)}': {e.Message}", e);
        }

        SetPriority(process);
        var worker = new WorkerConnection(this, id, process, _output, _options.MaxPayloadBytes);
        lock (Gate)
        {
            _workers.Add(worker);
            _pendingStarts--;
            _workersStarted++;
        }

        PoolKind? initializer = _options.InitializerKind is { } kind ? KindOf(kind) : null;
        using var timeout = new CancellationTokenSource(_options.StartupTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            worker.StartReading(initializer, _initializerArguments);
            await worker.HandshakeAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever ended the handshake (an exit, garbage, the startup timeout), the process goes.
            worker.Kill();
            await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(TimeSpan.FromSeconds(2), TimeProvider.System)).ConfigureAwait(false);
            await Task.WhenAny(worker.OutputDrained, Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System)).ConfigureAwait(false);
            lock (Gate)
            {
                worker.State = WorkerState.Exited;
                _workers.Remove(worker);
            }

            cancellationToken.ThrowIfCancellationRequested();
            string why = timeout.IsCancellationRequested ? $"it did not say hello within {_options.StartupTimeout.TotalSeconds:N1} s" : e.Message;
            string exit = process.HasExited ? $" (exit code {process.ExitCode})" : string.Empty;
            IReadOnlyList<string> tail = worker.Tail.Lines;
            process.Dispose();
            throw new InvalidOperationException(
                $"Process pool '{Name}' could not start worker {id} ('{WorkerLauncher.Describe(start)}'): {why}{exit}. " +
                $"A worker program's Main must begin with ProcessWorker.RunIfRequested(catalog); (see docs/process-pool.md)." +
                (tail.Count > 0 ? $" Its last output: {string.Join(" | ", tail.TakeLast(5))}" : string.Empty),
                e);
        }

        lock (Gate)
        {
            if (_killing)
            {
                worker.Kill();
            }
            else
            {
                worker.State = WorkerState.Ready;
                if (initializer is not null)
                {
                    worker.DefinedKinds.Add(initializer.Id); // defined by the handshake
                }

                _startFailures = 0;
                worker.HeadStartedAt = _time.GetTimestamp();
                Pump();
            }
        }

        worker.Watch();
    }

    /// <summary>Applies <see cref="ProcessPoolOptions.WorkerPriority"/> to a new worker.</summary>
    private void SetPriority(Process process)
    {
        if (_options.WorkerPriority == ProcessPriorityClass.Normal)
        {
            return;
        }

        try
        {
            process.PriorityClass = _options.WorkerPriority;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            // Raising a priority needs privileges; the workers then run at the default priority.
        }
    }

    /// <summary>Starts workers until <see cref="ProcessPoolOptions.WorkerCount"/> are starting or ready; called
    /// under the lock whenever one leaves (crash, recycling, a failed start).</summary>
    private void EnsureWorkers()
    {
        if (_killing || _broken is not null)
        {
            return;
        }

        int live = _pendingStarts;
        foreach (WorkerConnection worker in _workers)
        {
            live += worker.State is WorkerState.Starting or WorkerState.Ready && worker.Verdict is null ? 1 : 0;
        }

        for (; live < _options.WorkerCount; live++)
        {
            _pendingStarts++;

            // The process starts on another thread, so submits and answers do not wait for it.
            _ = Task.Run(ReplaceAsync);
        }
    }

    private async Task ReplaceAsync()
    {
        try
        {
            await StartWorkerAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pool shut down before the worker started.
        }
        catch (InvalidOperationException e)
        {
            List<(RemoteCall, Exception)> failed = [];
            TimeSpan backoff;
            lock (Gate)
            {
                _startFailures++;
                if (_killing)
                {
                    return;
                }

                if (_startFailures >= StartFailuresBeforeBroken && _workers.Count == 0)
                {
                    _broken = e;
                    while (_queue.TryDequeue(out RemoteCall? call, out _))
                    {
                        if (call.State == CallState.Queued)
                        {
                            call.State = CallState.Done;
                            failed.Add((call, e));
                        }
                    }

                    _queued = 0;
                    ReleaseAllRoomWaiters(e);
                    CheckDrained();
                }

                backoff = TimeSpan.FromMilliseconds(Math.Min(100 * (1 << Math.Min(_startFailures, 7)), 10_000));
            }

            Complete(failed);
            if (failed.Count == 0 && _broken is null)
            {
                await Task.Delay(backoff, _time).ConfigureAwait(false);
                lock (Gate)
                {
                    EnsureWorkers();
                }
            }
        }
    }

    private void Retire(WorkerConnection worker)
    {
        if (worker.State != WorkerState.Ready)
        {
            return;
        }

        worker.State = WorkerState.Retiring;
        _workersRecycled++;
        EnsureWorkers();

        ShutdownIfIdle(worker);
    }

    private void ShutdownIfIdle(WorkerConnection worker)
    {
        if (worker.Outstanding.Count == 0 && !worker.ShutdownSent && worker.State != WorkerState.Exited)
        {
            worker.ShutdownSent = true;
            worker.Pending.BeginFrame(FrameType.Shutdown);
            worker.Pending.EndFrame();
            worker.CloseInputAfterFlush();
        }
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

    public override ValueTask DisposeAsync()
    {
        lock (Gate)
        {
            // Started off the lock: shutting down completes calls, and a completion must never run under it
            // (a cancellation callback waiting for the lock would deadlock with the registration's disposal).
            _disposal ??= Task.Run(ShutDownAsync);
            return new ValueTask(_disposal);
        }
    }

    private async Task ShutDownAsync()
    {
        List<(RemoteCall, Exception)> cancelled = [];
        lock (Gate)
        {
            _disposing = true;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_options.CancelPendingOnDispose)
            {
                DropQueued(cancelled);
            }

            ReleaseAllRoomWaiters(new ObjectDisposedException($"ProcessPool '{Name}'"));
            CheckDrained();
        }

        Complete(cancelled);
        await Task.WhenAny(_drained.Task, Task.Delay(_options.ShutdownGracePeriod, _time)).ConfigureAwait(false);

        WorkerConnection[] workers;
        lock (Gate)
        {
            _killing = true;
            DropQueued(cancelled = []);
            workers = [.. _workers];
            foreach (WorkerConnection worker in workers)
            {
                if (worker.Outstanding.Count == 0 && worker.State != WorkerState.Starting)
                {
                    ShutdownIfIdle(worker);
                }
                else
                {
                    worker.Kill();
                }
            }
        }

        Complete(cancelled);

        // Workers asked to exit get a moment to do so; then nothing of the pool stays behind.
        Task exits = Task.WhenAll(workers.Select(w => w.Exited));
        await Task.WhenAny(exits, Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System)).ConfigureAwait(false);
        foreach (WorkerConnection worker in workers)
        {
            worker.Kill();
        }
    }

    private void DropQueued(List<(RemoteCall, Exception)> dropped)
    {
        while (_queue.TryDequeue(out RemoteCall? call, out _))
        {
            if (call.State == CallState.Queued)
            {
                dropped.Add((call, ShutDown(call)));
            }
        }

        _queued = 0;
    }
}
