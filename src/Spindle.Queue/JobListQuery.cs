namespace Spindle.Queue;

/// <summary>Which jobs <see cref="JobQueue.ListAsync"/> returns, one page at a time.</summary>
public sealed record JobListQuery
{
    /// <summary>Only jobs of this queue.</summary>
    /// <value>Default <see langword="null"/>: every queue.</value>
    public string? Queue { get; init; }

    /// <summary>Only jobs in this state.</summary>
    /// <value>Default <see langword="null"/>: every state.</value>
    public JobState? State { get; init; }

    /// <summary>Only jobs of this kind.</summary>
    /// <value>Default <see langword="null"/>: every kind.</value>
    public string? Kind { get; init; }

    /// <summary>The most jobs in one page.</summary>
    /// <value>Default 100; 1 to 10,000.</value>
    public int Limit { get; init; } = 100;

    /// <summary>Where the page starts: the <see cref="JobPage.NextCursor"/> of the previous page.</summary>
    /// <value>Default <see langword="null"/>: the first page.</value>
    public long? Cursor { get; init; }

    /// <summary>Whether the newest jobs come first.</summary>
    /// <value>Default <see langword="true"/>; <see langword="false"/> lists oldest first.</value>
    public bool NewestFirst { get; init; } = true;

    internal void Validate()
    {
        if (Limit is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "JobListQuery.Limit must be between 1 and 10,000.");
        }

        if (Queue is not null)
        {
            JobNames.ValidQueue(Queue, "JobListQuery.Queue", nameof(Queue));
        }

        if (State is { } state && !Enum.IsDefined(state))
        {
            throw new ArgumentOutOfRangeException(nameof(State), state, "JobListQuery.State must be one of the JobState values.");
        }
    }
}
