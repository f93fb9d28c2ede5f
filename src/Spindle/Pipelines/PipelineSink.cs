namespace Spindle.Pipelines;

/// <summary>The consumer of <see cref="Pipeline{T}.RunAsync(Action{T}, CancellationToken)"/>: calls the sink delegate on every item of the output.</summary>
internal sealed class PipelineSink<T>(Action<T>? sink, Func<T, CancellationToken, ValueTask>? sinkAsync)
{
    internal async Task DrainAsync(PipelineRun run, StageBuffer<T> output, StageCounters counters)
    {
        CancellationToken token = run.Token;
        TimeProvider time = run.Time;
        try
        {
            while (true)
            {
                if (output.TryRead(out Segment<T> segment))
                {
                    token.ThrowIfCancellationRequested();
                    Interlocked.Add(ref counters.ItemsIn, segment.Count);
                    Volatile.Write(ref counters.BusyWorkers, 1);
                    long started = time.GetTimestamp();
                    await DeliverAsync(segment, run, token).ConfigureAwait(false);
                    Interlocked.Add(ref counters.BusyTicks, time.GetTimestamp() - started);
                    Interlocked.Add(ref counters.ItemsOut, segment.Count);
                    Volatile.Write(ref counters.BusyWorkers, 0);
                    output.Return(segment);
                    continue;
                }

                if (!await output.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run failed or the caller cancelled; the caller of DrainAsync throws what ended it.
        }
        finally
        {
            Volatile.Write(ref counters.BusyWorkers, 0);
            run.Stop();
        }
    }

    private async ValueTask DeliverAsync(Segment<T> segment, PipelineRun run, CancellationToken token)
    {
        int i = 0;
        try
        {
            if (sink is not null)
            {
                for (; i < segment.Count; i++)
                {
                    sink(segment.Items[i]);
                }
            }
            else
            {
                for (; i < segment.Count; i++)
                {
                    await sinkAsync!(segment.Items[i], token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (!StageFailures.IsStop(ex, token))
        {
            run.Fail(new PipelineStageException("sink", segment.Items[i], hasItem: true, ex));
            throw new OperationCanceledException(token);
        }
    }
}
