using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Queue;

/// <summary>
/// A job that was enqueued: its id, and ways to follow it. A handle is only a reference; the job lives in
/// the store, so any process can follow it with <see cref="JobQueue.GetAsync"/> and the id.
/// </summary>
public class JobHandle
{
    internal JobHandle(JobQueue queue, long id, string kind, string queueName, JobState state, bool created)
    {
        Client = queue;
        Id = id;
        Kind = kind;
        Queue = queueName;
        State = state;
        Created = created;
    }

    /// <summary>The job's id.</summary>
    public long Id { get; }

    /// <summary>The task's kind string.</summary>
    public string Kind { get; }

    /// <summary>The queue it was enqueued to.</summary>
    public string Queue { get; }

    /// <summary>The job's state when it was enqueued (or found by its unique key); <see cref="GetAsync"/> reads it anew.</summary>
    public JobState State { get; }

    /// <summary>Whether this enqueue added the job; <see langword="false"/> when its unique key matched an existing job.</summary>
    public bool Created { get; }

    private protected JobQueue Client { get; }

    /// <summary>The job as it is now, or <see langword="null"/> once it has been pruned.</summary>
    public Task<JobInfo?> GetAsync(CancellationToken cancellationToken = default) => Client.GetAsync(Id, cancellationToken);

    /// <summary>Waits until the job is finished and returns it, without throwing for a dead or cancelled job.</summary>
    public Task<JobInfo> WaitUntilFinishedAsync(CancellationToken cancellationToken = default) => Client.WaitUntilFinishedAsync(Id, cancellationToken);

    /// <summary>Waits for the job's result, read with source-generated JSON metadata.</summary>
    /// <exception cref="JobDeadException">The job is dead; it carries the stored error.</exception>
    /// <exception cref="JobCancelledException">The job was cancelled, or expired before it started.</exception>
    public async Task<TResult> WaitAsync<TResult>(JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resultInfo);
        JobInfo job = await WaitUntilFinishedAsync(cancellationToken).ConfigureAwait(false);
        return ResultOf(job, json => JsonSerializer.Deserialize(json, resultInfo)!);
    }

    /// <summary>Waits for the job's result, read with reflection-based JSON.</summary>
    /// <exception cref="JobDeadException">The job is dead; it carries the stored error.</exception>
    /// <exception cref="JobCancelledException">The job was cancelled, or expired before it started.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; pass a JsonTypeInfo from a JsonSerializerContext to stay trimming safe.")]
    [RequiresDynamicCode("Reflection-based JSON; pass a JsonTypeInfo from a JsonSerializerContext to stay AOT safe.")]
    public async Task<TResult> WaitAsync<TResult>(CancellationToken cancellationToken = default)
    {
        JobInfo job = await WaitUntilFinishedAsync(cancellationToken).ConfigureAwait(false);
        return ResultOf(job, json => JsonSerializer.Deserialize<TResult>(json)!);
    }

    /// <summary>Cancels the job (see <see cref="JobQueue.CancelAsync"/>).</summary>
    public Task<JobCancelResult> CancelAsync(CancellationToken cancellationToken = default) => Client.CancelAsync(Id, cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"job {Id} ({Kind} on {Queue})";

    /// <summary>The result of a finished job, or the exception its end calls for.</summary>
    private protected static TResult ResultOf<TResult>(JobInfo job, Func<string, TResult> decode) => job.State switch
    {
        JobState.Succeeded => Decode(job, decode),
        JobState.Dead => throw new JobDeadException(job),
        JobState.Cancelled => throw new JobCancelledException(job),
        _ => throw new InvalidOperationException($"Job {job.Id} is {job.State}, not finished."),
    };

    private static TResult Decode<TResult>(JobInfo job, Func<string, TResult> decode)
    {
        try
        {
            return decode(job.Result ?? "null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Job {job.Id} ({job.Kind}) succeeded, but its result is not JSON for {typeof(TResult).Name}: {e.Message}", e);
        }
    }
}
