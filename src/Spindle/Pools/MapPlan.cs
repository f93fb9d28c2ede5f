using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Spindle.Pools;

/// <summary>What a map will do, fixed when it is declared; each enumeration runs it afresh.</summary>
internal abstract class MapPlan<TResult>
{
    /// <summary>Runs the map. With <paramref name="blameStopper"/>, an item cancelled because another item
    /// failed fast carries that failure instead of its cancellation, so a value stream throws the cause.</summary>
    internal abstract IAsyncEnumerable<ItemOutcome<TResult>> OutcomesAsync(bool blameStopper, CancellationToken cancellationToken);

    internal abstract ValueTask<TResult[]> ToArrayAsync(CancellationToken cancellationToken);

    /// <summary>Runs the map and enumerates its values; a failed item throws at its position.</summary>
    internal abstract IAsyncEnumerator<TResult> GetValueEnumerator(CancellationToken cancellationToken);
}

/// <inheritdoc/>
internal sealed class MapPlan<TSource, TResult>(
    WorkerPool pool, MapSource<TSource> source, MapBody<TSource, TResult> body, MapOptions options, bool ordered, CancellationToken cancellationToken)
    : MapPlan<TResult>
{
    internal WorkerPool Pool => pool;

    internal MapSource<TSource> Source => source;

    internal MapBody<TSource, TResult> Body => body;

    internal MapOptions Options => options;

    internal bool Ordered => ordered;

    internal CancellationToken CancellationToken => cancellationToken;

    internal override IAsyncEnumerator<TResult> GetValueEnumerator(CancellationToken cancellationToken) =>
        new MapResultEnumerator<TSource, TResult>(new StreamingMapRun<TSource, TResult>(this, cancellationToken));

    internal override IAsyncEnumerable<ItemOutcome<TResult>> OutcomesAsync(bool blameStopper, CancellationToken cancellationToken) =>
        new StreamingMapRun<TSource, TResult>(this, cancellationToken).RunAsync(blameStopper);

    internal override async ValueTask<TResult[]> ToArrayAsync(CancellationToken cancellationToken)
    {
        if (ordered && source.AsList is { } list)
        {
            return await new IndexedMapRun<TSource, TResult>(this, list, cancellationToken).RunAsync().ConfigureAwait(false);
        }

        var results = new List<TResult>();
        List<Exception>? failures = null;
        await foreach (ItemOutcome<TResult> outcome in OutcomesAsync(blameStopper: true, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Exception is null)
            {
                results.Add(outcome.Value!);
            }
            else if (options.Failures == MapFailureMode.FailFast)
            {
                ExceptionDispatchInfo.Throw(outcome.Exception);
            }
            else
            {
                (failures ??= []).Add(outcome.Exception);
            }
        }

        return failures is null ? [.. results] : throw MapFailures.Collected(failures);
    }
}
