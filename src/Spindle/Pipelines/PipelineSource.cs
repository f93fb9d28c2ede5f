using System.Threading.Channels;

namespace Spindle.Pipelines;

/// <summary>
/// Where a pipeline's items come from. The pump reads them into segments and writes them into the first
/// buffer, waiting when it is full; a source that would wait (an async stream, a channel) first hands on
/// what it has read, so items never sit in a half-filled segment.
/// </summary>
internal abstract class PipelineSource<T>
{
    internal static PipelineSource<T> From(IEnumerable<T> items) => new EnumerableSource(items);

    internal static PipelineSource<T> From(IAsyncEnumerable<T> items) => new AsyncEnumerableSource(items);

    internal static PipelineSource<T> From(ChannelReader<T> reader) => new ChannelSource(reader);

    /// <summary>Starts the pump; it completes <paramref name="target"/> when the source ends, fails or the run stops.</summary>
    internal void Start(PipelineRun run, StageBuffer<T> target)
    {
        var counters = new StageCounters("source", "source", 1) { MeasuresBusy = false };
        run.Rows.Add(counters);
        run.Spawn(async () =>
        {
            CancellationToken token = run.Token;
            var emitter = new Emitter<T>(target, counters, run.Time);
            try
            {
                await PumpAsync(emitter, token).ConfigureAwait(false);
                await emitter.FlushAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped with the run.
            }
            catch (Exception ex)
            {
                run.Fail(new PipelineStageException("source", null, hasItem: false, ex));
            }
            finally
            {
                target.Complete();
            }
        });
    }

    private protected abstract Task PumpAsync(Emitter<T> output, CancellationToken cancellationToken);

    private sealed class EnumerableSource(IEnumerable<T> items) : PipelineSource<T>
    {
        private protected override async Task PumpAsync(Emitter<T> output, CancellationToken cancellationToken)
        {
            using IEnumerator<T> enumerator = items.GetEnumerator();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                T[] segment = output.Items;
                int filled = output.Count;
                bool more = true;
                while (filled < segment.Length && (more = enumerator.MoveNext()))
                {
                    segment[filled++] = enumerator.Current;
                }

                output.Count = filled;
                if (!more)
                {
                    return;
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class AsyncEnumerableSource(IAsyncEnumerable<T> items) : PipelineSource<T>
    {
        private protected override async Task PumpAsync(Emitter<T> output, CancellationToken cancellationToken)
        {
            IAsyncEnumerator<T> enumerator = items.GetAsyncEnumerator(cancellationToken);
            await using (enumerator.ConfigureAwait(false))
            {
                while (true)
                {
                    ValueTask<bool> next = enumerator.MoveNextAsync();
                    if (!next.IsCompleted)
                    {
                        try
                        {
                            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch
                        {
                            // The run stopped while the pump handed on what it had read. An async iterator may
                            // not be disposed while its MoveNextAsync is in flight (it throws and skips its
                            // finally), and the source must not outlive the run: let the read finish first.
                            await PendingCall.SettleAsync(next).ConfigureAwait(false);
                            throw;
                        }
                    }

                    if (!await next.ConfigureAwait(false))
                    {
                        return;
                    }

                    if (output.Add(enumerator.Current))
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private sealed class ChannelSource(ChannelReader<T> reader) : PipelineSource<T>
    {
        private protected override async Task PumpAsync(Emitter<T> output, CancellationToken cancellationToken)
        {
            while (true)
            {
                while (reader.TryRead(out T? item))
                {
                    if (output.Add(item))
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }
}
