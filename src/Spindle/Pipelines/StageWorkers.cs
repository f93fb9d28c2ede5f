using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// The workers of a stage whose output order does not matter (or that has one worker, which keeps the
/// order anyway): each takes a segment, runs the step over it, and delivers into the shared output.
/// </summary>
internal sealed class StageWorkers<TIn, TOut>(
    PipelineRun run, StageBuffer<TIn> input, StageBuffer<TOut> output, StageStep<TIn, TOut> step, StageCounters counters, StageFailures failures)
{
    // Workers still running; the last one out completes the output. Interlocked, by the workers.
    private int _running;

    internal void Start()
    {
        _running = counters.Workers;
        for (int i = 0; i < counters.Workers; i++)
        {
            run.Spawn(WorkAsync);
        }
    }

    private async Task WorkAsync()
    {
        CancellationToken token = run.Token;
        var emitter = new Emitter<TOut>(output, counters, run.Time);
        try
        {
            while (true)
            {
                if (input.TryRead(out Segment<TIn> segment))
                {
                    token.ThrowIfCancellationRequested();
                    await ProcessAsync(step, segment, emitter, failures, counters, run.Time, token).ConfigureAwait(false);
                    input.Return(segment);
                    continue;
                }

                // Nothing to do: hand on what this worker holds before it waits.
                await emitter.FlushAsync(token).ConfigureAwait(false);
                if (!await input.WaitToReadAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run failed or was cancelled; the first failure is already recorded.
        }
        catch (Exception ex)
        {
            run.Fail(new PipelineStageException(counters.Name, null, hasItem: false, ex));
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                output.Complete();
            }
        }
    }

    /// <summary>Runs the step over one segment, counting items in and the busy time (less time blocked downstream).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal static async ValueTask ProcessAsync(
        StageStep<TIn, TOut> step, Segment<TIn> segment, Emitter<TOut> emitter, StageFailures failures, StageCounters counters, TimeProvider time, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref counters.BusyWorkers);
        Interlocked.Add(ref counters.ItemsIn, segment.Count);
        long started = time.GetTimestamp();
        long blocked = emitter.BlockedTicks;
        try
        {
            await step.ProcessAsync(segment, emitter, failures, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref counters.BusyTicks, time.GetTimestamp() - started - (emitter.BlockedTicks - blocked));
            Interlocked.Decrement(ref counters.BusyWorkers);
        }
    }
}
