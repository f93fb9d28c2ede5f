namespace Spindle.Processes;

/// <summary>
/// Where a map chunk's results go: the map run's slot for the chunk. A chunk writes its items' values and
/// failures in place and reports them, once, or, when it was split after a crash, each part for its item.
/// Values and failures are kept apart so that a chunk that succeeds costs one plain array.
/// </summary>
internal interface IChunkSink<TResult>
{
    /// <summary>The source position of <c>Values[0]</c>.</summary>
    long Start { get; }

    /// <summary>The values of the chunk's items, filled in place.</summary>
    TResult[] Values { get; }

    /// <summary>Records the failure of the item at <paramref name="offset"/>.</summary>
    void Fail(int offset, Exception error);

    /// <summary>Reports that <paramref name="count"/> more items were filled in.</summary>
    void Delivered(int count);
}
