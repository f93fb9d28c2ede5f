using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spindle.Processes;
using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// Runs one held attempt through its kind's <see cref="TaskHandler"/> (JSON arguments in, JSON result out), in this
/// process or on <see cref="QueueWorkerOptions.Processes"/>, and turns how it ended into the outcome to record.
/// Never throws: every end is a value.
/// </summary>
internal sealed class JobRunner(TaskCatalog catalog, QueueWorkerOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>How long after its timeout a job on <see cref="QueueWorkerOptions.Processes"/> that ignores its token is killed with its process.</summary>
    internal static readonly TimeSpan PoolKillGrace = TimeSpan.FromSeconds(1);

    /// <summary>The outcome to write, or <see langword="null"/> when the attempt is no longer this worker's to record.</summary>
    internal async Task<JobCompletion?> RunAsync(HeldJob held, CancellationToken shutdown)
    {
        JobInfo job = held.Job;
        TimeSpan? timeout = job.Timeout ?? options.DefaultTimeout;
        using CancellationTokenSource? deadline = timeout is { } limit ? new CancellationTokenSource(limit, time) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(held.StopToken, shutdown, deadline?.Token ?? CancellationToken.None);
        options.Hooks?.JobStarted?.Invoke(job);
        try
        {
            linked.Token.ThrowIfCancellationRequested();
            if (options.Processes is { } pool)
            {
                // The job's timeout cancels the handler's token at once; one that ignores it is killed with its
                // process a grace period later.
                var call = new QueuedJobCall(job.Id, job.Attempt, job.Priority, timeout + PoolKillGrace, job.AttemptedAt);
                Task<JsonElement> running = await pool.SubmitJsonAsync(job.Kind, Encoding.UTF8.GetBytes(job.Arguments), call, linked.Token).ConfigureAwait(false);
                return JobCompletion.Succeeded(job.Id, job.Attempt, (await running.ConfigureAwait(false)).GetRawText());
            }

            TaskHandler handler = catalog.FindHandler(job.Kind);
            var result = new ArrayBufferWriter<byte>();
            var context = new TaskContext(job.Kind, linked.Token, job.Attempt, job.Id.ToString(CultureInfo.InvariantCulture), logger: logger, timeProvider: time, attemptedAt: job.AttemptedAt);
            await Invoke(handler, job.Arguments, context, result).ConfigureAwait(false);
            return JobCompletion.Succeeded(job.Id, job.Attempt, result.WrittenCount == 0 ? "null" : Encoding.UTF8.GetString(result.WrittenSpan));
        }
        catch (TaskArgumentException e)
        {
            // Unknown kind or arguments that are not JSON for the kind: no retry can fix it, so dead now.
            string message = $"Job {job.Id} ({job.Kind}) was refused: {e.Message}";
            WorkerLog.Refused(logger, job.Id, job.Kind, e.Message);
            return JobCompletion.FailedFinal(job.Id, job.Attempt, TaskFailure.FromException(job.Kind, e) with { Message = message });
        }
        catch (Exception e) when (linked.IsCancellationRequested)
        {
            // Which signal fired decides the record: the renewer's reason first (it is set before it cancels),
            // then the deadline, then shutdown.
            if (held.Reason == JobStopReason.Lost)
            {
                return null;
            }

            if (held.Reason == JobStopReason.CancelRequested)
            {
                return JobCompletion.Cancelled(job.Id, job.Attempt, Failure(job, TaskFailureKind.Cancelled, $"job {job.Id} was cancelled while attempt {job.Attempt} ran"));
            }

            if (deadline?.IsCancellationRequested == true)
            {
                TaskFailure failure = Failure(job, TaskFailureKind.Timeout, $"job {job.Id} ran past its timeout of {timeout} in attempt {job.Attempt} and was cancelled");
                return JobCompletion.Failed(job.Id, job.Attempt, failure, RetryAt(job));
            }

            if (shutdown.IsCancellationRequested)
            {
                // Handed back: available again at once in its old place; the unfinished attempt does not count.
                TaskFailure reason = Failure(job, TaskFailureKind.Lost, $"worker stopped before attempt {job.Attempt} of job {job.Id} finished (shutdown grace period over); handed back");
                return JobCompletion.Released(job.Id, job.Attempt, reason);
            }

            return JobCompletion.Failed(job.Id, job.Attempt, TaskFailure.FromException(job.Kind, e), RetryAt(job));
        }
        catch (RemoteTaskException e)
        {
            // From a pool process: the handler's own exception, a crash of its process, or the pool's hard timeout,
            // each with the failure the pool recorded (exit code, signal, remote stack).
            return JobCompletion.Failed(job.Id, job.Attempt, e.Failure, RetryAt(job));
        }
        catch (Exception e)
        {
            return JobCompletion.Failed(job.Id, job.Attempt, TaskFailure.FromException(job.Kind, e), RetryAt(job));
        }
    }

    /// <summary>Starts the handler; a span cannot live in the async method, so the arguments are decoded here.</summary>
    private static ValueTask Invoke(TaskHandler handler, string arguments, TaskContext context, ArrayBufferWriter<byte> result) =>
        handler.InvokeAsync(Encoding.UTF8.GetBytes(arguments), context, result);

    private DateTimeOffset RetryAt(JobInfo job) => time.GetUtcNow() + job.Backoff.DelayAfter(job.Attempt, Random.Shared.NextDouble());

    private static TaskFailure Failure(JobInfo job, TaskFailureKind kind, string message) => new() { Kind = kind, TaskKind = job.Kind, Message = message };
}
