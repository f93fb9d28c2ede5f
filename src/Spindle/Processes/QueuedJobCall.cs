namespace Spindle.Processes;

/// <summary>What a durable queue's job brings to its call on a pool (<see cref="ProcessPool.SubmitJsonAsync"/>).</summary>
/// <param name="JobId">The job's id, the handler's <c>TaskContext.JobId</c>.</param>
/// <param name="Attempt">The job's attempt number, the handler's <c>TaskContext.Attempt</c>.</param>
/// <param name="Priority">The call's priority in the pool.</param>
/// <param name="HardTimeout">Past this from the call's start its process is killed; <see langword="null"/> for the pool's <see cref="ProcessPoolOptions.CallTimeout"/>.</param>
/// <param name="AttemptedAt">When the attempt was claimed, the handler's <c>TaskContext.AttemptedAt</c>.</param>
internal readonly record struct QueuedJobCall(long JobId, int Attempt, int Priority, TimeSpan? HardTimeout, DateTimeOffset? AttemptedAt = null);
