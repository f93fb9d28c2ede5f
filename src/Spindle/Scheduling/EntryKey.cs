namespace Spindle.Scheduling;

/// <summary>The order of due runs, as in Python's <c>sched</c>: earliest first, then higher priority, then scheduling order.</summary>
internal readonly record struct EntryKey(DateTimeOffset At, int Priority, long Sequence) : IComparable<EntryKey>
{
    public int CompareTo(EntryKey other)
    {
        int byTime = At.UtcTicks.CompareTo(other.At.UtcTicks);
        if (byTime != 0)
        {
            return byTime;
        }

        int byPriority = other.Priority.CompareTo(Priority);
        return byPriority != 0 ? byPriority : Sequence.CompareTo(other.Sequence);
    }
}
