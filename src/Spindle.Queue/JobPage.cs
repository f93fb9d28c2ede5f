namespace Spindle.Queue;

/// <summary>One page of <see cref="JobQueue.ListAsync"/>.</summary>
/// <param name="Jobs">The jobs, in the query's order.</param>
/// <param name="NextCursor">Pass as <see cref="JobListQuery.Cursor"/> for the next page; <see langword="null"/> when this is the last.</param>
public sealed record JobPage(IReadOnlyList<JobInfo> Jobs, long? NextCursor);
