using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Pools;

/// <summary>
/// The worker pool: a lock-free inbox that submitters write to, one priority heap that worker loops
/// drain under a lock, and up to <see cref="WorkerPoolOptions.MaxConcurrency"/> worker loops on the
/// .NET thread pool.
/// </summary>
/// <remarks>
/// Submitters never take the lock: they append to the inbox and, when fewer than the maximum loops are
/// active, start one. A worker takes the lock, moves the whole inbox into the heap and takes the most
/// urgent item, so the order is the heap's order over everything submitted so far.
/// <para>
/// A worker loop exists only while there is work. The one race that could strand an item, a submitter
/// seeing every loop active while the last loop retires, is closed Dekker-style: the submitter appends
/// and then reads the active count; the retiring loop lowers the count and then looks at the inbox
/// again (both with full fences), so at least one of them sees the other.
/// </para>
/// </remarks>
internal sealed class PriorityWorkerPool : WorkerPool
{
    // How long an idle worker loop looks for new work before it retires (SpinWait rounds, no sleeping).
    private const int IdleSpins = 10;

    // How many items a worker loop runs before it gives its thread back to the .NET pool.
    private const int YieldEvery = 256;

    private readonly WorkerPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly double _secondsPerTimestamp;

    // Environment.TickCount64 when the pool started on the system clock; -1 on any other TimeProvider.
    private readonly long _startTick;
    private readonly bool _needsEnqueueTime;
    private readonly int _wakeThreshold;
    private readonly PoolMetrics _metrics;
    private readonly Action<object?> _startWorker;
    private readonly Lock _lock = new();
    private readonly PoolScheduler _scheduler;

    // Set only with CancelPendingOnDispose: the token pooled calls are created with, so that disposal can
    // cancel them. The token is kept apart because the source's Token property throws once it is disposed.
    private readonly CancellationTokenSource? _abandon;
    private readonly CancellationToken _abandonToken;

    // Written by submitters (lock-free); drained only under _lock.
    private readonly ConcurrentQueue<IWorkItem> _inbox = new();

    // Guarded by _lock: the queued items taken from the inbox, most urgent first.
    private readonly ReadyQueue _ready = new();

    // Guarded by _lock: submitters waiting for room in a full queue, oldest first; the count is
    // mirrored in _roomWaiterCount (written under _lock, read anywhere) so workers look only when needed.
    private readonly Queue<TaskCompletionSource> _roomWaiters = new();
    private int _roomWaiterCount;

    // Admitted and taken counts, on cache lines of their own (see PoolCounters).
    private PoolCounters _counters;

    // Interlocked: worker loops started and not retired.
    private int _activeWorkers;

    // Written once by DisposeAsync, read by everyone.
    private volatile bool _closed;

    // Completed once the pool is closed, nothing is queued and every worker loop has retired.
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal PriorityWorkerPool(WorkerPoolOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _startedAt = _time.GetTimestamp();
        _secondsPerTimestamp = 1.0 / _time.TimestampFrequency;
        _startTick = ReferenceEquals(_time, TimeProvider.System) ? Environment.TickCount64 : -1;
        _needsEnqueueTime = options.AgingRate > 0;
        _wakeThreshold = Math.Max(1, options.QueueCapacity / 4);
        _startWorker = static state => _ = ((PriorityWorkerPool)state!).RunWorkerAsync();
        _scheduler = new PoolScheduler(this);
        _counters.AdmitLimit = options.QueueCapacity;
        _abandon = options.CancelPendingOnDispose ? new CancellationTokenSource() : null;
        _abandonToken = _abandon?.Token ?? default;
        _metrics = new PoolMetrics(
            options.Name,
            queued: () => Queued,
            running: () => Volatile.Read(ref _counters.Running),
            completed: () => Volatile.Read(ref _counters.Completed),
            failed: () => Volatile.Read(ref _counters.Failed));
    }

    public override int MaxConcurrency => _options.MaxConcurrency;

    /// <summary>Items admitted and neither started nor withdrawn (inbox and heap).</summary>
    private long Queued => Volatile.Read(ref _counters.Admitted) - Volatile.Read(ref _counters.Taken);

    public override string Name => _options.Name;

    internal override TimeProvider TimeProvider => _time;

    internal override bool HasQueuedWork => Queued > 0;

    internal override ValueTask EnqueueAsync(IWorkItem item, int priority, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Prepare(item, priority, cancellationToken);
        return TryAdmit(item) switch
        {
            Admission.Queued => ValueTask.CompletedTask,
            Admission.Full => WaitForRoomAsync(item, cancellationToken),
            Admission.Cancelled => ValueTask.FromCanceled(cancellationToken),
            _ => ValueTask.FromException(ClosedError()),
        };
    }

    /// <summary>The one-allocation path for a synchronous call without a token: the task is the item.</summary>
    internal ValueTask<Task<TResult>> SubmitPooled<TResult>(Func<TResult> work, int priority)
    {
        if (_closed || _abandonToken.IsCancellationRequested)
        {
            return ValueTask.FromException<Task<TResult>>(ClosedError());
        }

        var call = new PooledCall<TResult>(work, _scheduler, _abandonToken);
        try
        {
            call.Start(_scheduler);
        }
        catch (InvalidOperationException)
        {
            // Disposal cancelled the token between the check and the start: the task is already cancelled.
            return ValueTask.FromException<Task<TResult>>(ClosedError());
        }

        // A fresh call's slot is all defaults (New, no token, no registration): only the priority to set.
        call.Slot.Priority = priority;
        return TryAdmit(call) switch
        {
            Admission.Queued or Admission.Cancelled => new ValueTask<Task<TResult>>(call),
            Admission.Full => WaitThenReturnAsync(call),
            _ => ValueTask.FromException<Task<TResult>>(ClosedError()),
        };

        async ValueTask<Task<TResult>> WaitThenReturnAsync(PooledCall<TResult> call)
        {
            await WaitForRoomAsync(call, default).ConfigureAwait(false);
            return call;
        }
    }

    internal override bool Requeue(IWorkItem item, int priority, CancellationToken cancellationToken)
    {
        Prepare(item, priority, cancellationToken);
        return TryAdmit(item, ignoreCapacity: true, ignoreClosed: !_options.CancelPendingOnDispose) == Admission.Queued;
    }

    private enum Admission
    {
        Queued,
        Full,
        Cancelled,
        Closed,
    }

    /// <summary>Sets an item up: its priority, its token, and removal when that token fires.</summary>
    private void Prepare(IWorkItem item, int priority, CancellationToken cancellationToken)
    {
        ref WorkSlot slot = ref item.Slot;
        slot.State = WorkSlot.New;
        slot.Priority = priority;
        if (cancellationToken.CanBeCanceled)
        {
            WorkCancellation cancellation = slot.Cancellation ??= new WorkCancellation();
            cancellation.Token = cancellationToken;
            cancellation.Owner = this;
            cancellation.Registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((IWorkItem)state!).Slot.Cancellation!.Owner!.CancelQueued((IWorkItem)state!, token), item);
        }
        else if (slot.Cancellation is { } previous)
        {
            // A requeued item whose earlier turn had a token.
            previous.Token = default;
            previous.Registration = default;
        }
    }

    /// <summary>The fast path of enqueue: into the inbox if there is room, without a lock.</summary>
    /// <param name="item">The prepared item.</param>
    /// <param name="ignoreCapacity">Admit even when full: a map runner between chunks was admitted
    /// already, and waiting for room it must itself make would deadlock the pool.</param>
    /// <param name="ignoreClosed">Admit even when the pool is shutting down (a running map finishes).</param>
    private Admission TryAdmit(IWorkItem item, bool ignoreCapacity = false, bool ignoreClosed = false)
    {
        // Admit first, then look at _closed: DisposeAsync sets _closed first and then looks at the count,
        // so either this submit backs out or DisposeAsync waits for the item (both with full fences).
        long admitted = Interlocked.Increment(ref _counters.Admitted);
        if (_closed && !ignoreClosed)
        {
            BackOut();
            item.Slot.Cancellation?.Registration.Dispose();
            return Admission.Closed;
        }

        if (admitted > Volatile.Read(ref _counters.AdmitLimit) && !ignoreCapacity)
        {
            long limit = Volatile.Read(ref _counters.Taken) + _options.QueueCapacity;
            Volatile.Write(ref _counters.AdmitLimit, limit);
            if (admitted > limit)
            {
                BackOut();
                return Admission.Full;
            }
        }

        // Without aging the clock is not read at all: the rank is just the negated priority.
        double rank = _needsEnqueueTime
            ? WorkKey.RankOf(item.Slot.Priority, _options.AgingRate, SecondsSinceStart())
            : -(double)item.Slot.Priority;

        item.Slot.EnqueuedAt = _metrics.WaitTimeEnabled ? _time.GetTimestamp() : 0;
        item.Slot.Key = new WorkKey(rank, Interlocked.Increment(ref _counters.Sequence));
        if (Interlocked.CompareExchange(ref item.Slot.State, WorkSlot.Queued, WorkSlot.New) != WorkSlot.New)
        {
            // Its token fired before it was queued.
            BackOut();
            item.Slot.Cancellation?.Registration.Dispose();
            return Admission.Cancelled;
        }

        _inbox.Enqueue(item);
        EnsureWorker();
        return Admission.Queued;
    }

    /// <summary>
    /// The enqueue time for aging, in seconds since the pool started. On the system clock it reads
    /// millisecond ticks (5 ns here, against 25 ns for a precise timestamp, a fifth of a whole submit);
    /// aging counts priority points per second, so milliseconds are precision enough. Any other
    /// TimeProvider (a fake one in tests) is read exactly.
    /// </summary>
    private double SecondsSinceStart() =>
        _startTick >= 0
            ? (Environment.TickCount64 - _startTick) * 0.001
            : (_time.GetTimestamp() - _startedAt) * _secondsPerTimestamp;

    private void BackOut()
    {
        Interlocked.Decrement(ref _counters.Admitted);
        if (_closed)
        {
            SignalIfDrained();
        }

        // A worker that took an item during this admission saw the queue fuller than it is.
        PassOnRoom();
    }

    private void SignalIfDrained()
    {
        if (Volatile.Read(ref _activeWorkers) == 0 && Queued == 0)
        {
            _drained.TrySetResult();
        }
    }

    private void EnsureWorker()
    {
        int active = Volatile.Read(ref _activeWorkers);
        while (active < _options.MaxConcurrency)
        {
            int seen = Interlocked.CompareExchange(ref _activeWorkers, active + 1, active);
            if (seen == active)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_startWorker, this, preferLocal: false);
                return;
            }

            active = seen;
        }
    }

    /// <summary>The slow path of enqueue: the queue was full; wait for room, then try again.</summary>
    private async ValueTask WaitForRoomAsync(IWorkItem item, CancellationToken cancellationToken)
    {
        while (true)
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (_closed)
                {
                    item.Slot.Cancellation?.Registration.Dispose();
                    throw ClosedError();
                }

                _roomWaiters.Enqueue(waiter);
                _roomWaiterCount = _roomWaiters.Count;
            }

            // Room may have been made after the failed attempt and before the waiter was visible. The
            // same low-water mark as the workers use: below it items are queued, so a worker will look
            // at the waiters again when it takes one.
            if (_options.QueueCapacity - Queued >= _wakeThreshold)
            {
                waiter.TrySetResult();
            }

            try
            {
                await using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetCanceled(), waiter).ConfigureAwait(false))
                {
                    await waiter.Task.ConfigureAwait(false);
                }
            }
            catch
            {
                item.Slot.Cancellation?.Registration.Dispose();
                throw;
            }

            switch (TryAdmit(item))
            {
                case Admission.Queued:
                    return;
                case Admission.Cancelled:
                    // Woken but leaving: pass the room on, or the next waiter could wait for ever.
                    PassOnRoom();
                    throw new OperationCanceledException(cancellationToken);
                case Admission.Closed:
                    throw ClosedError();
            }
        }
    }

    /// <summary>Wakes waiting submitters if there is room for them: after a back-out or a woken waiter that left.</summary>
    private void PassOnRoom()
    {
        if (Volatile.Read(ref _roomWaiterCount) > 0)
        {
            lock (_lock)
            {
                WakeRoomWaitersLocked();
            }
        }
    }

    /// <summary>Removes an item that has not started; called by its cancellation token.</summary>
    internal void CancelQueued(IWorkItem item, CancellationToken token)
    {
        if (Withdraw(item) == WorkSlot.Queued)
        {
            item.Abandon(new OperationCanceledException(token));
        }
    }

    /// <summary>Takes back a pooled call whose token fired; false once it runs.</summary>
    internal bool TryWithdraw(IWorkItem item) => Withdraw(item) is WorkSlot.New or WorkSlot.Queued;

    /// <summary>
    /// Cancels an item that has not started. Returns the state it was taken from: <see cref="WorkSlot.New"/>
    /// (the submitter sees the cancellation and gives up), <see cref="WorkSlot.Queued"/> (removed here), or
    /// <see cref="WorkSlot.Running"/> when it is too late (the token is then the call's to observe).
    /// </summary>
    private int Withdraw(IWorkItem item)
    {
        ref WorkSlot slot = ref item.Slot;
        if (Interlocked.CompareExchange(ref slot.State, WorkSlot.Cancelled, WorkSlot.New) == WorkSlot.New)
        {
            return WorkSlot.New;
        }

        if (Interlocked.CompareExchange(ref slot.State, WorkSlot.Cancelled, WorkSlot.Queued) != WorkSlot.Queued)
        {
            return WorkSlot.Running;
        }

        lock (_lock)
        {
            Volatile.Write(ref _counters.Taken, _counters.Taken + 1);

            // The last worker may have retired while this item still counted as queued.
            if (_closed)
            {
                SignalIfDrained();
            }

            // In the inbox it is skipped when drained; in the ready queue it is removed (or, in its
            // first-in-first-out lane, compacted away), so cancelled items never pile up behind a busy pool.
            _ready.Remove(item);

            if (_roomWaiterCount > 0)
            {
                WakeRoomWaitersLocked();
            }
        }

        return WorkSlot.Queued;
    }

    /// <summary>
    /// Lets waiting submitters in once the queue has drained to its low-water mark, as many as there is
    /// room for. Waking one submitter per dequeued item would cost a thread hop per call when a fast
    /// producer keeps the queue full; letting them in by the quarter-queue keeps submits on the fast path.
    /// </summary>
    private void WakeRoomWaitersLocked()
    {
        long room = _options.QueueCapacity - Queued;
        if (room < _wakeThreshold)
        {
            return;
        }

        while (room > 0 && _roomWaiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            if (waiter.TrySetResult())
            {
                room--;
            }
        }

        _roomWaiterCount = _roomWaiters.Count;
    }

    /// <summary>Moves the inbox into the heap and takes the most urgent queued item, if any.</summary>
    private IWorkItem? TakeLocked()
    {
        while (_inbox.TryDequeue(out IWorkItem? arrived))
        {
            if (Volatile.Read(ref arrived.Slot.State) == WorkSlot.Queued)
            {
                _ready.Add(arrived);
            }
        }

        while (_ready.TryTake(out IWorkItem item))
        {
            if (Interlocked.CompareExchange(ref item.Slot.State, WorkSlot.Running, WorkSlot.Queued) == WorkSlot.Queued)
            {
                Volatile.Write(ref _counters.Taken, _counters.Taken + 1);
                return item;
            }
        }

        return null;
    }

    private async Task RunWorkerAsync()
    {
        bool previousSucceeded = true;
        bool hasPrevious = false;
        bool spun = false;
        int ran = 0;
        while (true)
        {
            IWorkItem? item;
            lock (_lock)
            {
                if (hasPrevious)
                {
                    _counters.Running--;
                    if (previousSucceeded)
                    {
                        _counters.Completed++;
                    }
                    else
                    {
                        _counters.Failed++;
                    }

                    hasPrevious = false;
                }

                if (ran >= YieldEvery)
                {
                    item = null;
                }
                else if ((item = TakeLocked()) is not null)
                {
                    _counters.Running++;
                    if (_roomWaiterCount > 0)
                    {
                        WakeRoomWaitersLocked();
                    }
                }
            }

            if (ran >= YieldEvery)
            {
                // Hand the thread back to the .NET pool now and then and continue as a new work item:
                // a loop that never returns would starve whatever else waits for a pool thread,
                // such as the continuation of a submitter waiting for room in this very pool.
                ThreadPool.UnsafeQueueUserWorkItem(_startWorker, this, preferLocal: false);
                return;
            }

            if (item is null)
            {
                if (!spun && !_closed)
                {
                    // A fast producer is likely mid-submit: look again for a moment before retiring,
                    // because a retired loop costs the next submit a thread-pool hop to restart it.
                    spun = true;
                    SpinWait spinner = default;
                    for (int i = 0; i < IdleSpins && _inbox.IsEmpty; i++)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }

                    continue;
                }

                if (Retire())
                {
                    return;
                }

                spun = false;
                continue;
            }

            spun = false;
            ran++;
            item.Slot.Cancellation?.Registration.Dispose();
            if (item.Slot.EnqueuedAt != 0 && _metrics.WaitTimeEnabled)
            {
                _metrics.RecordWait(_time.GetElapsedTime(item.Slot.EnqueuedAt));
            }

            try
            {
                ValueTask<bool> execution = item.ExecuteAsync();
                previousSucceeded = execution.IsCompletedSuccessfully ? execution.Result : await execution.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Items keep their failures to themselves; anything that escapes is a bug, but it must not
                // take a worker loop (and with it a slot of the pool) down.
                Debug.Fail($"A work item threw out of ExecuteAsync: {ex}");
                previousSucceeded = false;
            }

            hasPrevious = true;
        }
    }

    /// <summary>Retires the calling worker loop; false when it must carry on after all.</summary>
    private bool Retire()
    {
        int active = Interlocked.Decrement(ref _activeWorkers);
        if (!_inbox.IsEmpty)
        {
            // Something arrived after our last look, perhaps from a submitter that counted us as active.
            int seen = Volatile.Read(ref _activeWorkers);
            while (seen < _options.MaxConcurrency)
            {
                int previous = Interlocked.CompareExchange(ref _activeWorkers, seen + 1, seen);
                if (previous == seen)
                {
                    return false;
                }

                seen = previous;
            }
        }

        if (active == 0 && _closed)
        {
            SignalIfDrained();
        }

        AssertInvariants();
        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_closed)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }

        _closed = true;
        Interlocked.MemoryBarrier();
        if (_abandon is not null)
        {
            // Pooled calls cancel through their token; the Task machinery takes them back via the scheduler.
            // Synchronously, so that they are cancelled before DisposeAsync first yields.
            _abandon.Cancel();
        }

        List<IWorkItem>? abandoned = null;
        List<TaskCompletionSource> waiters;
        lock (_lock)
        {
            if (_options.CancelPendingOnDispose)
            {
                abandoned = [];
                while (TakeLocked() is { } item)
                {
                    // TakeLocked marked it running; it never will.
                    item.Slot.State = WorkSlot.Cancelled;
                    abandoned.Add(item);
                }
            }

            waiters = [.. _roomWaiters];
            _roomWaiters.Clear();
            _roomWaiterCount = 0;
            SignalIfDrained();
        }

        var closed = ClosedError();
        foreach (TaskCompletionSource waiter in waiters)
        {
            waiter.TrySetException(closed);
        }

        foreach (IWorkItem item in abandoned ?? [])
        {
            item.Slot.Cancellation?.Registration.Dispose();
            item.Abandon(new OperationCanceledException($"The WorkerPool '{Name}' was disposed before this call started (CancelPendingOnDispose is set)."));
        }

        await _drained.Task.ConfigureAwait(false);
        _metrics.Dispose();
        _abandon?.Dispose();
    }

    private ObjectDisposedException ClosedError() =>
        new(nameof(WorkerPool), $"The WorkerPool '{Name}' has been shut down; no new work can be submitted to it.");

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Volatile.Read(ref _activeWorkers) >= 0, "negative worker loop count");
        Debug.Assert(Queued >= 0, "negative queued count");
        Debug.Assert(Volatile.Read(ref _counters.Taken) <= Volatile.Read(ref _counters.Admitted), "more items taken than admitted");
        Debug.Assert(Volatile.Read(ref _activeWorkers) <= _options.MaxConcurrency, "more worker loops than MaxConcurrency");
    }
}
