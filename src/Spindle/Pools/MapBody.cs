namespace Spindle.Pools;

/// <summary>The function a map applies: synchronous (run in a tight loop) or asynchronous.</summary>
internal sealed class MapBody<TSource, TResult>
{
    private MapBody(Func<TSource, TResult>? sync, Func<TSource, CancellationToken, ValueTask<TResult>>? async)
    {
        Sync = sync;
        Async = async;
    }

    // Exactly one is set.
    internal Func<TSource, TResult>? Sync { get; }

    internal Func<TSource, CancellationToken, ValueTask<TResult>>? Async { get; }

    internal static MapBody<TSource, TResult> From(Func<TSource, TResult> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new MapBody<TSource, TResult>(body, null);
    }

    internal static MapBody<TSource, TResult> From(Func<TSource, CancellationToken, ValueTask<TResult>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new MapBody<TSource, TResult>(null, body);
    }
}
