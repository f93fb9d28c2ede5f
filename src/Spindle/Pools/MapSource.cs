namespace Spindle.Pools;

/// <summary>The items of a map: a synchronous or an asynchronous sequence, read in chunks by one producer.</summary>
internal sealed class MapSource<T>
{
    private readonly IEnumerable<T>? _sync;
    private readonly IAsyncEnumerable<T>? _async;

    private MapSource(IEnumerable<T>? sync, IAsyncEnumerable<T>? async)
    {
        _sync = sync;
        _async = async;
    }

    internal static MapSource<T> From(IEnumerable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new MapSource<T>(source, null);
    }

    internal static MapSource<T> From(IAsyncEnumerable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new MapSource<T>(null, source);
    }

    /// <summary>How many items the source holds, when it is a collection that says.</summary>
    internal int? KnownCount => _sync switch
    {
        IReadOnlyCollection<T> collection => collection.Count,
        ICollection<T> collection => collection.Count,
        _ => null,
    };

    /// <summary>The items by index when the source is a list, for the collect-into-array fast path.</summary>
    internal IReadOnlyList<T>? AsList => _sync as IReadOnlyList<T>;

    internal Reader OpenReader(CancellationToken cancellationToken) =>
        _sync is not null ? new Reader(_sync.GetEnumerator(), null) : new Reader(null, _async!.GetAsyncEnumerator(cancellationToken));

    /// <summary>Reads the source a chunk at a time; used by one producer only.</summary>
    internal sealed class Reader(IEnumerator<T>? sync, IAsyncEnumerator<T>? async) : IAsyncDisposable
    {
        /// <summary>Fills <paramref name="buffer"/> up to <paramref name="count"/> items; fewer means the source ended.</summary>
        internal async ValueTask<int> ReadAsync(T[] buffer, int count, CancellationToken cancellationToken)
        {
            int read = 0;
            if (sync is not null)
            {
                while (read < count && sync.MoveNext())
                {
                    buffer[read++] = sync.Current;
                }

                return read;
            }

            while (read < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ValueTask<bool> next = async!.MoveNextAsync();
                if (!(next.IsCompletedSuccessfully ? next.Result : await next.ConfigureAwait(false)))
                {
                    break;
                }

                buffer[read++] = async.Current;
            }

            return read;
        }

        public async ValueTask DisposeAsync()
        {
            sync?.Dispose();
            if (async is not null)
            {
                await async.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
