using System.ComponentModel;
using System.Diagnostics;
using Spindle.Processes.Wire;

namespace Spindle.Processes;

/// <summary>The pool's workers coming and going: starting, replacing, recycling, and the shutdown of the whole pool.</summary>
internal sealed partial class ProcessWorkerPool
{
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
