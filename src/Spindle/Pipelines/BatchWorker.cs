namespace Spindle.Pipelines;

/// <summary>The one worker of a <see cref="BatchStage{T}"/>.</summary>
internal sealed class BatchWorker<T>(PipelineRun run, StageBuffer<T> input, StageBuffer<T[]> output, StageCounters counters, int size, TimeSpan? maxDelay)
{
    // The worker's own; nothing else touches them.
    private T[]? _batch;
    private int _count;
    private long _deadline;

    // The deadline timer: one per worker, created at the first wait with a partial batch and re-armed with
    // Change at each (a delay per wait would leave a timer running per wait under a trickle). Written by the
    // worker; disposed by it when it ends.
    private ITimer? _timer;

    // What the timer completes when it fires: replaced by the worker before each arming (Volatile), read by
    // the timer's callback on a timer thread. A late fire of an earlier arming may complete a newer one
    // early; the worker then finds the deadline not yet passed and waits again.
    private TaskCompletionSource? _due;

    internal async Task WorkAsync()
    {
        CancellationToken token = run.Token;
        TimeProvider time = run.Time;
        var emitter = new Emitter<T[]>(output, counters, time);
        Task<bool>? waiting = null;
        try
        {
            while (true)
            {
                if (waiting is null && input.TryRead(out Segment<T> segment))
                {
                    token.ThrowIfCancellationRequested();
                    await TakeAsync(segment, emitter, token).ConfigureAwait(false);
                    input.Return(segment);
                    if (_batch is not null && maxDelay is not null && time.GetTimestamp() >= _deadline)
                    {
                        await EmitPartialAsync(emitter, token).ConfigureAwait(false);
                    }

                    continue;
                }

                await emitter.FlushAsync(token).ConfigureAwait(false);
                if (_batch is not null && maxDelay is not null)
                {
                    waiting ??= input.WaitToReadAsync().AsTask();
                    TimeSpan left = time.GetElapsedTime(time.GetTimestamp(), _deadline);
                    if (left > TimeSpan.Zero)
                    {
                        Task due = ArmTimer(time, left);
                        run.Options.BatchTimerArmed?.Invoke(counters.Name);
                        if (await Task.WhenAny(waiting, due).ConfigureAwait(false) != waiting)
                        {
                            // Due (or woken early by a stale fire): the check above decides, with the clock.
                            continue;
                        }

                        _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    }
                    else
                    {
                        await EmitPartialAsync(emitter, token).ConfigureAwait(false);
                        continue;
                    }
                }

                bool more = waiting is not null ? await waiting.ConfigureAwait(false) : await input.WaitToReadAsync().ConfigureAwait(false);
                waiting = null;
                if (!more)
                {
                    break;
                }
            }

            await EmitPartialAsync(emitter, token).ConfigureAwait(false);
            await emitter.FlushAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped with the run.
        }
        catch (Exception ex)
        {
            run.Fail(new PipelineStageException(counters.Name, null, hasItem: false, ex));
        }
        finally
        {
            _timer?.Dispose();
            output.Complete();
        }
    }

    private Task ArmTimer(TimeProvider time, TimeSpan left)
    {
        var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _due, due);
        _timer ??= time.CreateTimer(static state => Volatile.Read(ref ((BatchWorker<T>)state!)._due)?.TrySetResult(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(left, Timeout.InfiniteTimeSpan);
        return due.Task;
    }

    private async ValueTask TakeAsync(Segment<T> segment, Emitter<T[]> emitter, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref counters.ItemsIn, segment.Count);
        long started = run.Time.GetTimestamp();
        long blocked = emitter.BlockedTicks;
        for (int i = 0; i < segment.Count; i++)
        {
            if (_batch is null)
            {
                _batch = new T[size];
                _count = 0;
                if (maxDelay is { } delay)
                {
                    _deadline = started + (long)(delay.TotalSeconds * run.Time.TimestampFrequency);
                }
            }

            _batch[_count++] = segment.Items[i];
            if (_count == size)
            {
                T[] full = _batch;
                _batch = null;
                if (emitter.Add(full))
                {
                    await emitter.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        Interlocked.Add(ref counters.BusyTicks, run.Time.GetTimestamp() - started - (emitter.BlockedTicks - blocked));
    }

    private ValueTask EmitPartialAsync(Emitter<T[]> emitter, CancellationToken cancellationToken)
    {
        if (_batch is null)
        {
            return ValueTask.CompletedTask;
        }

        T[] partial = _batch.AsSpan(0, _count).ToArray();
        _batch = null;

        // Flushed at once: a batch sent for its deadline must not then wait in the segment for more batches.
        emitter.Add(partial);
        return emitter.FlushAsync(cancellationToken);
    }
}
