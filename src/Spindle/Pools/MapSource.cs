using System.Runtime.CompilerServices;

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
        _sync is IReadOnlyList<T> list ? new Reader(null, null, list)
        : _sync is not null ? new Reader(_sync.GetEnumerator(), null, null)
        : new Reader(null, _async!.GetAsyncEnumerator(cancellationToken), null);

    /// <summary>Reads the source a chunk at a time; used by one producer only.</summary>
    internal sealed class Reader(IEnumerator<T>? sync, IAsyncEnumerator<T>? async, IReadOnlyList<T>? list) : IAsyncDisposable
    {
        private int _listPosition;

        /// <summary>Fills <paramref name="buffer"/> up to <paramref name="count"/> items; fewer means the source ended.</summary>
        internal ValueTask<int> ReadAsync(T[] buffer, int count, CancellationToken cancellationToken)
        {
            if (list is not null)
            {
                return new ValueTask<int>(ReadList(list, buffer, count));
            }

            return sync is not null ? new ValueTask<int>(ReadEnumerator(sync, buffer, count)) : ReadAsyncEnumeratorAsync(buffer, count, cancellationToken);
        }

        // Fully optimised from the first call: a map calls these a few dozen times, each over thousands of items,
        // too few calls for tiered compilation to reach them before the map is over.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int ReadList(IReadOnlyList<T> items, T[] buffer, int count)
        {
            int read = Math.Min(count, items.Count - _listPosition);
            if (items is T[] array)
            {
                Array.Copy(array, _listPosition, buffer, 0, read);
            }
            else if (items is List<T> growable)
            {
                growable.CopyTo(_listPosition, buffer, 0, read);
            }
            else
            {
                for (int i = 0; i < read; i++)
                {
                    buffer[i] = items[_listPosition + i];
                }
            }

            _listPosition += read;
            return read;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int ReadEnumerator(IEnumerator<T> items, T[] buffer, int count)
        {
            int read = 0;
            while (read < count && items.MoveNext())
            {
                buffer[read++] = items.Current;
            }

            return read;
        }

        private async ValueTask<int> ReadAsyncEnumeratorAsync(T[] buffer, int count, CancellationToken cancellationToken)
        {
            int read = 0;

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
