namespace Spindle.Scheduling;

/// <summary>What an entry does when its time comes: whether it runs, and when it is due next.</summary>
/// <param name="Run">Whether to run now.</param>
/// <param name="Next">The next due time (null: no more runs); ignored when <paramref name="NextFromFinish"/> is set and the entry runs.</param>
/// <param name="NextFromFinish">The next due time is the schedule's next occurrence after the run finishes (fixed delay).</param>
/// <param name="Missed">Occurrences that will never run: skipped, or folded into this one run.</param>
internal readonly record struct RunPlan(bool Run, DateTimeOffset? Next, bool NextFromFinish, long Missed);
