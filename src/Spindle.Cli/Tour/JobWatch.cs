using Spindle.Queue;

namespace Spindle.Cli.Tour;

/// <summary>
/// Follows jobs by reading them back from the store, as a Celery user polls <c>AsyncResult</c>: one list of the
/// queue per look, a callback for every job that changed since the last look, until every job meets a condition.
/// </summary>
internal static class JobWatch
{
    /// <summary>
    /// Looks every <paramref name="interval"/> until <paramref name="done"/> holds for every job of
    /// <paramref name="ids"/>; returns them in the order of <paramref name="ids"/>. <paramref name="changed"/> gets
    /// each job whose state or attempt changed (with how it was before, or null the first time), in the order they
    /// finished (or, unfinished, last started). Throws <see cref="TimeoutException"/> naming the jobs still waiting after <paramref name="patience"/>.
    /// </summary>
    internal static async Task<IReadOnlyList<JobInfo>> UntilAsync(
        JobQueue queue, string queueName, IReadOnlyList<long> ids, Func<JobInfo, bool> done, Action<JobInfo, JobInfo?>? changed,
        TimeSpan patience, TimeSpan interval, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<long, JobInfo>();
        var wanted = new HashSet<long>(ids);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(patience);
        try
        {
            while (true)
            {
                JobPage page = await queue.ListAsync(new JobListQuery { Queue = queueName, Limit = 1000 }, deadline.Token);
                var now = page.Jobs.Where(j => wanted.Contains(j.Id)).ToDictionary(j => j.Id);
                foreach (JobInfo job in now.Values.OrderBy(j => j.FinishedAt ?? j.AttemptedAt ?? j.CreatedAt).ThenBy(j => j.Id))
                {
                    JobInfo? before = seen.GetValueOrDefault(job.Id);
                    if (before is null || before.State != job.State || before.Attempt != job.Attempt)
                    {
                        changed?.Invoke(job, before);
                    }

                    seen[job.Id] = job;
                }

                if (ids.All(id => now.TryGetValue(id, out JobInfo? job) && done(job)))
                {
                    return [.. ids.Select(id => now[id])];
                }

                await Task.Delay(interval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            string waiting = string.Join(", ", ids.Select(id => seen.TryGetValue(id, out JobInfo? job) ? $"job {id} {job.State} (attempt {job.Attempt})" : $"job {id} not found"));
            throw new TimeoutException($"The jobs did not get there within {patience.TotalSeconds:F0} s: {waiting}.");
        }
    }
}
