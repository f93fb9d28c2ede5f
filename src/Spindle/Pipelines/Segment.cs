namespace Spindle.Pipelines;

/// <summary>
/// Items travelling together from one stage to the next: the first <see cref="Count"/> slots of
/// <see cref="Items"/>. Handing items over a few hundred at a time, rather than one by one, is what keeps
/// a trivial stage from spending its time on channel hops.
/// </summary>
internal readonly struct Segment<T>(T[] items, int count)
{
    internal T[] Items { get; } = items;

    internal int Count { get; } = count;
}
