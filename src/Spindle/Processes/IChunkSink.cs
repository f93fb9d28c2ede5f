using Spindle.Pools;

namespace Spindle.Processes;

/// <summary>Where a map chunk's item outcomes go: the map run's slot for the chunk. A chunk fills its part of
/// <see cref="Outcomes"/> and reports it, once, or, when it was split after a crash, each part for its item.</summary>
internal interface IChunkSink<TResult>
{
    /// <summary>The source position of <c>Outcomes[0]</c>.</summary>
    long Start { get; }

    /// <summary>The outcomes of the chunk's items, filled in place.</summary>
    ItemOutcome<TResult>[] Outcomes { get; }

    /// <summary>Reports that <paramref name="count"/> more outcomes were filled in.</summary>
    void Delivered(int count);
}
