namespace Spindle.Pools;

/// <summary>
/// The order of pending items: lowest <see cref="Rank"/> first, then first come first served.
/// </summary>
/// <remarks>
/// Aging raises a waiting item's effective priority by <c>rate × waited</c>. For two items the difference
/// of their effective priorities, <c>(p₁ − p₂) + rate × (t₂ − t₁)</c>, does not depend on the current time,
/// so the order never changes while they wait: the rank <c>rate × enqueuedAt − priority</c> is fixed at
/// enqueue and one heap serves strict priority and aging alike.
/// </remarks>
internal readonly record struct WorkKey(double Rank, long Sequence) : IComparable<WorkKey>
{
    /// <summary>
    /// The rank of an item of <paramref name="priority"/> queued at <paramref name="enqueuedAt"/> (seconds,
    /// or any unit the rate is per): lower runs first. The pool and <c>Scheduling.PrioritySimulator</c> share it.
    /// </summary>
    internal static double RankOf(int priority, double agingRate, double enqueuedAt) => (agingRate * enqueuedAt) - priority;

    public int CompareTo(WorkKey other)
    {
        int byRank = Rank.CompareTo(other.Rank);
        return byRank != 0 ? byRank : Sequence.CompareTo(other.Sequence);
    }
}
