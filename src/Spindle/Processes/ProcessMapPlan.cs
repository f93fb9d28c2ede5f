using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Spindle.Pools;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>A map of a named task over worker processes, as declared; each enumeration runs it afresh.</summary>
internal sealed class ProcessMapPlan<TArgs, TResult>(
    ProcessPool pool, TaskKind<TArgs, TResult> kind, MapSource<TArgs> source, MapOptions options, bool ordered, CancellationToken cancellationToken)
    : MapPlan<TResult>
{
    // The token given when the map was declared; each run also takes the enumerator's.
    private readonly CancellationToken _declared = cancellationToken;

    internal override async IAsyncEnumerable<ItemOutcome<TResult>> OutcomesAsync(bool blameStopper, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ChunkResults<TResult> chunk in Run(blameStopper, cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < chunk.Count; i++)
            {
                yield return chunk[i];
            }
        }
    }

    internal override IAsyncEnumerator<TResult> GetValueEnumerator(CancellationToken cancellationToken) =>
        ValuesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    internal override async ValueTask<TResult[]> ToArrayAsync(CancellationToken cancellationToken)
    {
        // Chunk by chunk rather than item by item: a map of millions of small items is all overhead otherwise.
        TResult[] results = GC.AllocateUninitializedArray<TResult>(source.KnownCount ?? 16);
        int count = 0;
        List<Exception>? failures = null;
        try
        {
            await foreach (ChunkResults<TResult> chunk in Run(blameStopper: true, cancellationToken, inlineConsumer: true).ConfigureAwait(false))
            {
                if (count + chunk.Count > results.Length)
                {
                    Array.Resize(ref results, Math.Max(count + chunk.Count, results.Length * 2));
                }

                if (chunk.Errors is null)
                {
                    Array.Copy(chunk.Values, 0, results, count, chunk.Count);
                    count += chunk.Count;
                    continue;
                }

                for (int i = 0; i < chunk.Count; i++)
                {
                    if (chunk.Errors[i] is not { } error)
                    {
                        results[count++] = chunk.Values[i];
                    }
                    else if (options.Failures == MapFailureMode.FailFast)
                    {
                        ExceptionDispatchInfo.Throw(error);
                    }
                    else
                    {
                        (failures ??= []).Add(error);
                    }
                }
            }
        }
        finally
        {
            // The loop may have resumed on a worker's reader thread; the caller's code must not run there.
            if (WorkerConnection.IsReaderThread)
            {
                await Task.Yield();
            }
        }

        if (failures is not null)
        {
            throw MapFailures.Collected(failures);
        }

        Array.Resize(ref results, count);
        return results;
    }

    private async IAsyncEnumerable<TResult> ValuesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ItemOutcome<TResult> outcome in OutcomesAsync(blameStopper: true, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Exception is not null)
            {
                ExceptionDispatchInfo.Throw(outcome.Exception);
            }

            yield return outcome.Value!;
        }
    }

    private IAsyncEnumerable<ChunkResults<TResult>> Run(bool blameStopper, CancellationToken cancellationToken, bool inlineConsumer = false) =>
        new ProcessMapRun<TArgs, TResult>(pool, kind, source, options, ordered, inlineConsumer).RunAsync(blameStopper, _declared, cancellationToken);
}
