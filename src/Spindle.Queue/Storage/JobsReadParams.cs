namespace Spindle.Queue.Storage;

/// <summary>Parameters of <see cref="IJobStore.JobsGet"/>.</summary>
internal sealed record JobsGetParams(long Id);

/// <summary>Parameters of <see cref="IJobStore.JobsList"/>: optional filters and keyset paging by id.</summary>
/// <param name="Queue">Only this queue, or every queue.</param>
/// <param name="State">Only this state, or every state.</param>
/// <param name="Kind">Only this kind, or every kind.</param>
/// <param name="Cursor">Continue after this id (exclusive) in the listing's order.</param>
/// <param name="Limit">The most jobs returned.</param>
/// <param name="NewestFirst">Descending ids when true, ascending when false.</param>
internal sealed record JobsListParams(string? Queue, JobState? State, string? Kind, long? Cursor, int Limit, bool NewestFirst);

/// <summary>Parameters of <see cref="IJobStore.QueueStats"/>.</summary>
/// <param name="Queue">Only this queue, or every queue.</param>
internal sealed record QueueStatsParams(string? Queue = null);
