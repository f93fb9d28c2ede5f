using Spindle.Pools;

namespace Spindle.Processes;

/// <summary>Where a map chunk's item outcomes go: the map run that sent it.</summary>
internal interface IChunkSink<TResult>
{
    /// <summary>Outcomes of the items from source position <paramref name="start"/> on. A chunk delivers once,
    /// or, when it was split after a crash, each of its parts delivers its own item.</summary>
    void Deliver(long start, ItemOutcome<TResult>[] outcomes);
}
