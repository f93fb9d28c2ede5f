namespace Spindle.Scheduling;

/// <summary>
/// The scheduler: two heaps under one lock (entries waiting for their time, entries due and waiting for a
/// run slot) and one timer, always set for the earliest waiting entry.
/// </summary>
/// <remarks>
/// Everything that changes the heaps ends in <see cref="Pump"/>: it moves what is due to the ready heap,
/// starts as many runs as there are free slots (deciding each one's fate by its <see cref="MissedRunPolicy"/>),
/// and sets the timer for whatever waits next. Runs are started outside the lock, on the thread pool, and
/// call <see cref="Pump"/> again when they finish, after the entry has been planned anew.
/// </remarks>
internal sealed class TimerScheduler : Scheduler
{
    // A system timer cannot wait longer than about 49 days; a longer wait is taken in steps of this.
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromDays(1);

    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();

    // Guarded by _lock (a caller's seeded Random is not thread-safe).
    private readonly Random _random;

    // Guarded by _lock: entries waiting for their time, earliest first. An element whose version no longer
    // matches its entry's (cancelled, or planned again) is stale and skipped.
    private readonly PriorityQueue<(ScheduledEntry Entry, long Version), EntryKey> _waiting = new();

    // Guarded by _lock: entries whose time has come, waiting for a run slot, in EntryKey order.
    private readonly PriorityQueue<(ScheduledEntry Entry, long Version), EntryKey> _ready = new();

    // Guarded by _lock: every entry that is not done, so that disposal reaches them all.
    private readonly HashSet<ScheduledEntry> _live = [];

    // Completed once the scheduler is disposed and no run is in progress: by disposal or by the last run.
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guarded by _lock: runs in progress, the entries counted so far, and when the timer is set to fire.
    private int _running;
    private long _sequence;
    private DateTimeOffset _armedFor = DateTimeOffset.MaxValue;

    // Completed once the scheduler is disposed and every run still in progress is one whose target awaits
    // DisposeAsync (so such a target waits for the others, not for itself): by disposal or by a finishing run.
    private readonly TaskCompletionSource _othersIdle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The run whose target this async flow is inside (its entry and token source), set by InvokeTargetAsync for
    // the target's flow only: CancelAsync and DisposeAsync called from a target use it not to wait for their own
    // run. Each flow sees its own value; it is compared with entry.RunCancellation under _lock.
    private readonly AsyncLocal<(ScheduledEntry Entry, CancellationTokenSource Run)?> _currentRun = new();

    // Set once under _lock by the first DisposeAsync; read under _lock.
    private TaskCompletionSource? _disposal;

    // Guarded by _lock: runs in progress whose target awaits DisposeAsync (each counted once, see entry.RunDisposing).
    private int _runsDisposing;

    internal TimerScheduler(SchedulerOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _random = options.JitterSource ?? Random.Shared;
        _timer = _time.CreateTimer(static state => ((TimerScheduler)state!).Pump(fromTimer: true), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public override TimeProvider TimeProvider => _time;

    public override ScheduledEntry Add(Schedule schedule, Func<CancellationToken, ValueTask> target, EntryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(target);
        options ??= EntryOptions.Default;
        options.Validate();
        DateTimeOffset? first = schedule.First(_time.GetUtcNow()); // outside the lock; a failure here is the caller's
        ScheduledEntry entry;
        Exception? failure;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposal is not null, this);
            entry = new ScheduledEntry(this, ++_sequence, schedule, target, options);
            _live.Add(entry);
            failure = Plan(entry, first);
        }

        if (failure is not null)
        {
            Report(entry, failure, first ?? default);
        }

        Pump(fromTimer: false);
        return entry;
    }

    /// <summary>Stops the entry; returns whether the caller is the entry's own run, which must not wait for itself.</summary>
    internal bool Cancel(ScheduledEntry entry)
    {
        CancellationTokenSource? running = null;
        bool ownRun;
        lock (_lock)
        {
            ownRun = IsOwnRun(entry);
            if (entry.Stopped || entry.State == ScheduledEntry.Phase.Done)
            {
                return ownRun;
            }

            entry.Stopped = true;
            if (entry.State == ScheduledEntry.Phase.Running)
            {
                running = entry.RunCancellation; // the run finishes the entry when it returns
            }
            else
            {
                Finish(entry);
            }
        }

        // Outside the lock: cancellation callbacks are the target's code.
        running?.Cancel();
        return ownRun;
    }

    /// <summary>Whether the calling flow is inside the target of <paramref name="entry"/>'s run in progress. Under _lock.</summary>
    private bool IsOwnRun(ScheduledEntry entry) =>
        _currentRun.Value is { } current && current.Entry == entry && ReferenceEquals(current.Run, entry.RunCancellation);

    public override ValueTask DisposeAsync()
    {
        List<CancellationTokenSource> toCancel = [];
        TaskCompletionSource disposal;
        bool fromOwnTarget;
        lock (_lock)
        {
            // Called from a target, disposal cannot wait for that target's own run: it waits for all the others.
            fromOwnTarget = _currentRun.Value is { } current && IsOwnRun(current.Entry);
            if (fromOwnTarget && !_currentRun.Value!.Value.Entry.RunDisposing)
            {
                _currentRun.Value.Value.Entry.RunDisposing = true;
                _runsDisposing++;
            }

            if (_disposal is not null)
            {
                SignalIdle();
                return new ValueTask(fromOwnTarget ? _othersIdle.Task : _disposal.Task); // a second call waits for the first
            }

            disposal = _disposal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (ScheduledEntry entry in _live.ToArray())
            {
                entry.Stopped = true;
                if (entry.State != ScheduledEntry.Phase.Running)
                {
                    Finish(entry);
                }
                else if (_options.CancelRunningOnDispose && entry.RunCancellation is { } cancellation)
                {
                    toCancel.Add(cancellation);
                }
            }

            _waiting.Clear();
            _ready.Clear();
            SignalIdle();
        }

        _ = ShutDownAsync(disposal, toCancel); // never faults: it completes disposal, with any errors
        return new ValueTask(fromOwnTarget ? _othersIdle.Task : disposal.Task);
    }

    private async Task ShutDownAsync(TaskCompletionSource disposal, List<CancellationTokenSource> toCancel)
    {
        // A token callback is the target's code and may throw: that must neither end the shutdown early (runs
        // would still be going) nor leave the disposal signal unset (a second DisposeAsync would wait forever).
        List<Exception>? errors = null;
        try
        {
            // A timer callback already in flight finds the scheduler disposed and does nothing.
            await _timer.DisposeAsync().ConfigureAwait(false);
            foreach (CancellationTokenSource cancellation in toCancel)
            {
                try
                {
                    await cancellation.CancelAsync().ConfigureAwait(false);
                }
                catch (AggregateException ex)
                {
                    (errors ??= []).AddRange(ex.Flatten().InnerExceptions);
                }
#pragma warning disable CA1031 // Collected and reported through the disposal's task once the runs have returned.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    (errors ??= []).Add(ex);
                }
            }

            await _idle.Task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Anything else that fails is reported the same way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            (errors ??= []).Add(ex);
        }
        finally
        {
            if (errors is null)
            {
                disposal.TrySetResult();
            }
            else
            {
                disposal.TrySetException(errors);
            }
        }
    }

    /// <summary>Moves due entries to the ready heap, starts runs while slots are free, and sets the timer.</summary>
    private void Pump(bool fromTimer)
    {
        List<(ScheduledEntry Entry, RunPlan Plan, DateTimeOffset Due, CancellationToken Token)>? starts = null;
        List<(ScheduledEntry Entry, Exception Failure, DateTimeOffset Due)>? failures = null;
        lock (_lock)
        {
            if (_disposal is not null)
            {
                return;
            }

            if (fromTimer)
            {
                _armedFor = DateTimeOffset.MaxValue; // it has fired: whatever comes next needs setting
            }

            DateTimeOffset now = _time.GetUtcNow();
            while (_waiting.TryPeek(out (ScheduledEntry Entry, long Version) item, out EntryKey key) && key.At <= now)
            {
                _waiting.Dequeue();
                if (item.Version == item.Entry.Version)
                {
                    item.Entry.State = ScheduledEntry.Phase.Ready;
                    _ready.Enqueue(item, key);
                }
            }

            while (_running < _options.MaxConcurrency && _ready.TryDequeue(out (ScheduledEntry Entry, long Version) item, out _))
            {
                ScheduledEntry entry = item.Entry;
                if (item.Version != entry.Version)
                {
                    continue;
                }

                // Planned on the occurrence's own timeline, as if reached jitter-free: the jitter delays this run but is
                // not lateness, and planning from the jittered time would step over occurrences that fall inside a
                // jitter longer than the interval. Never before the due time (a clock that went back).
                DateTimeOffset reached = now - entry.Due > entry.JitterOffset ? now - entry.JitterOffset : entry.Due;
                RunPlan plan;
                try
                {
                    plan = CatchUpPlanner.Plan(entry.Schedule, entry.Due, reached, entry.Options.MissedRuns, _options.LateTolerance);
                }
#pragma warning disable CA1031 // Schedule math that throws ends its entry (reported below), not the scheduler's pump.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    (failures ??= []).Add((entry, ex, entry.Due));
                    Finish(entry);
                    continue;
                }

                entry.CountMissed(plan.Missed);
                if (!plan.Run)
                {
                    // After the reached time; with jitter possibly before now, so due at once.
                    if (Plan(entry, plan.Next) is { } failure)
                    {
                        (failures ??= []).Add((entry, failure, entry.Due));
                    }

                    continue;
                }

                entry.State = ScheduledEntry.Phase.Running;
                entry.Version++;
                entry.PublishNextRun(null);
                entry.RunCancellation = new CancellationTokenSource();
                _running++;
                (starts ??= []).Add((entry, plan, entry.Due, entry.RunCancellation.Token));
            }

            Arm(now);
        }

        // Outside the lock: the callback is the user's code.
        foreach ((ScheduledEntry entry, Exception failure, DateTimeOffset due) in failures ?? [])
        {
            Report(entry, failure, due);
        }

        if (starts is not null)
        {
            foreach ((ScheduledEntry entry, RunPlan plan, DateTimeOffset due, CancellationToken token) in starts)
            {
                // A pool entry only queues its call here (a pool never runs a call inline), so it reaches the
                // pool in due order before this returns; a plain target runs on the thread pool, never on the timer's thread.
                _ = entry.Pool is not null
                    ? RunAsync(entry, plan, due, token)
                    : Task.Run(() => RunAsync(entry, plan, due, token), CancellationToken.None);
            }
        }
    }

    private async Task RunAsync(ScheduledEntry entry, RunPlan plan, DateTimeOffset due, CancellationToken token)
    {
        _options.BeforeRun?.Invoke(entry);

        // Pump marked the entry Running under the lock but started this run outside it: a Dispose of the entry
        // or of the scheduler in between has already returned to its caller, who must not see the target run.
        // Checked under the same lock, this is decided either before or after such a Dispose, never during it.
        bool skip;
        CancellationTokenSource? run;
        lock (_lock)
        {
            run = entry.RunCancellation;
            skip = run is null || entry.Stopped || _disposal is not null || token.IsCancellationRequested;
        }

        Exception? failure = null;
        bool completedInline = true;
        if (!skip)
        {
            try
            {
                Task invoke = InvokeTargetAsync(entry, run!, token);
                completedInline = invoke.IsCompleted;
                await invoke.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Cancelled through the entry or the scheduler: an ending, not a failure.
            }
#pragma warning disable CA1031 // A target's failure of any kind must not stop the scheduler; it is reported below.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }

            // A skipped run is no run: it is not counted, and the block below finishes its stopped entry.
            entry.CountRun(failure is not null);
        }

        if (failure is not null)
        {
            Report(entry, failure, due);
        }

        Exception? planFailure = null;
        lock (_lock)
        {
            _running--;
            if (entry.RunDisposing)
            {
                entry.RunDisposing = false;
                _runsDisposing--;
            }

            entry.RunCancellation = null;
            if (entry.Stopped)
            {
                Finish(entry);
            }
            else if (plan.NextFromFinish)
            {
                DateTimeOffset? next = null;
                try
                {
                    next = entry.Schedule.NextAfter(_time.GetUtcNow());
                }
#pragma warning disable CA1031 // Schedule math that throws ends its entry (reported below), not the scheduler.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    planFailure = ex;
                }

                planFailure ??= Plan(entry, next);
                if (planFailure is not null)
                {
                    Finish(entry);
                }
            }
            else
            {
                planFailure = Plan(entry, plan.Next);
            }

            if (_disposal is not null)
            {
                SignalIdle();
            }
        }

        if (planFailure is not null)
        {
            Report(entry, planFailure, due);
        }

        // A pool entry's run starts inline on the pumping thread (so its call reaches the pool in due order). If it
        // also ended inline (the pool refused the call at once: disposed, or the token cancelled), pumping here
        // would start the next pool run inline in turn, nesting one level per run: thousands deep for RunAll after
        // a long pause. Continuing on the thread pool first keeps the stack flat.
        if (completedInline && entry.Pool is not null)
        {
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }

        Pump(fromTimer: false);
        _options.AfterRun?.Invoke(entry);
    }

    /// <summary>Once disposal has begun: completes the idle signals whose condition holds. Under _lock.</summary>
    private void SignalIdle()
    {
        if (_running == _runsDisposing)
        {
            _othersIdle.TrySetResult();
        }

        if (_running == 0)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>Calls the target, as a call on the entry's pool when it has one, marking its flow as inside this run.</summary>
    private async Task InvokeTargetAsync(ScheduledEntry entry, CancellationTokenSource run, CancellationToken token)
    {
        if (entry.Pool is { } pool)
        {
            Task<bool> call = await pool.SubmitAsync(
                async ct =>
                {
                    _currentRun.Value = (entry, run); // set here: a pool's worker need not carry the submitter's flow
                    await entry.Target(ct).ConfigureAwait(false);
                    return true;
                },
                entry.Priority,
                token).ConfigureAwait(false);
            await call.ConfigureAwait(false);
        }
        else
        {
            _currentRun.Value = (entry, run); // an async method's flow: the value ends with it
            await entry.Target(token).ConfigureAwait(false);
        }
    }

    private void Report(ScheduledEntry entry, Exception failure, DateTimeOffset due)
    {
        try
        {
            _options.OnRunFailed?.Invoke(new OnRunFailedArguments(entry, failure, due));
        }
#pragma warning disable CA1031 // The callback's own failure must not stop the scheduler either.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Queues the entry for <paramref name="next"/>, or finishes it when there is none. Under _lock. An error
    /// (a jittered fire time past the end of time) finishes the entry too and is returned for the caller to report
    /// outside the lock: an entry must never be left Running or Ready with nothing to move it on.
    /// </summary>
    private Exception? Plan(ScheduledEntry entry, DateTimeOffset? next)
    {
        if (next is not { } due || entry.Stopped || _disposal is not null)
        {
            Finish(entry);
            return null;
        }

        try
        {
            entry.Due = due;
            entry.JitterOffset = DrawJitter(entry.Options.Jitter);
            EntryKey key = entry.Key;
            entry.State = ScheduledEntry.Phase.Waiting;
            entry.Version++;
            _waiting.Enqueue((entry, entry.Version), key);
            entry.PublishNextRun(key.At);
            return null;
        }
#pragma warning disable CA1031 // Returned to the caller, who reports it once out of the lock.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Finish(entry);
            return ex;
        }
    }

    /// <summary>The entry runs no more. Under _lock.</summary>
    private void Finish(ScheduledEntry entry)
    {
        entry.State = ScheduledEntry.Phase.Done;
        entry.Version++;
        entry.PublishNextRun(null);
        _live.Remove(entry);
        entry.Complete();
    }

    /// <summary>A random delay in whole milliseconds below <paramref name="jitter"/>. Under _lock.</summary>
    private TimeSpan DrawJitter(TimeSpan jitter) =>
        jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Floor(_random.NextDouble() * Math.Floor(jitter.TotalMilliseconds)));

    /// <summary>Sets the timer for the earliest waiting entry. Under _lock, after everything due by <paramref name="now"/> has left the waiting heap.</summary>
    private void Arm(DateTimeOffset now)
    {
        while (_waiting.TryPeek(out (ScheduledEntry Entry, long Version) stale, out _) && stale.Version != stale.Entry.Version)
        {
            _waiting.Dequeue();
        }

        DateTimeOffset at = _waiting.TryPeek(out _, out EntryKey next) ? next.At : DateTimeOffset.MaxValue;
        if (at == _armedFor)
        {
            return;
        }

        _armedFor = at;
        if (at == DateTimeOffset.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        // Rounded up to whole milliseconds: a system timer truncates, and would otherwise fire just early.
        long ticks = Math.Max(0, (at - now).Ticks); // an entry planned in the past is due at once
        long wholeMilliseconds = (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        TimeSpan wait = TimeSpan.FromMilliseconds(wholeMilliseconds);
        _timer.Change(wait < LongestTimerWait ? wait : LongestTimerWait, Timeout.InfiniteTimeSpan);
    }
}
