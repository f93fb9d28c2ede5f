using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>The pool when a worker dies, writes garbage or overruns a deadline: who is blamed, what is requeued.</summary>
internal sealed partial class ProcessWorkerPool
{
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

        if (crashes >= _options.PoisonAfterCrashes && !head.ExemptFromPoison)
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
                TimeSpan limit = LimitOf(call)!.Value;
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
        LimitOf(head) is { } limit && _time.GetElapsedTime(worker.HeadStartedAt) >= limit;

    /// <summary>How long a call may run once its worker starts it: its own limit, else the pool's per item; null for none.</summary>
    private TimeSpan? LimitOf(RemoteCall call) => call.Timeout ?? _options.CallTimeout * call.ItemCount;

    private void ArmDeadline(WorkerConnection worker)
    {
        if (worker.State == WorkerState.Exited || worker.Verdict is not null)
        {
            return;
        }

        if (!worker.Outstanding.TryPeek(out RemoteCall? head) || LimitOf(head) is not { } limit)
        {
            worker.Deadline?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        TimeSpan due = limit - _time.GetElapsedTime(worker.HeadStartedAt);
        // Timers take at most about 49 days; a later deadline is re-armed when this one fires.
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxTimerDue ? MaxTimerDue : due;
        worker.Deadline ??= _time.CreateTimer(static w => ((WorkerConnection)w!).Pool.OnDeadline((WorkerConnection)w!), worker, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        worker.Deadline.Change(due, Timeout.InfiniteTimeSpan);
    }
}
