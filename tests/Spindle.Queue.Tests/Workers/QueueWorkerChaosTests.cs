using System.Diagnostics;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// Issue 5's chaos test: two worker processes (tests/Workers/Spindle.QueueTestWorker, mode <c>work</c>) on one
/// SQLite file; one is killed with SIGKILL while it holds jobs. A ledger that handlers append to shows every job
/// completed, none lost, none completed twice for the attempt that succeeded, and the killed worker's jobs
/// rescued within two leases and run again.
/// </summary>
public sealed class QueueWorkerChaosTests : IAsyncLifetime
{
    private const int Jobs = 1000;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3); // rescue passes every half lease; 3 s leaves room for a loaded machine

    private readonly TempDatabase _database = new();
    private QueueTestWorkers _workers = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _queue = await JobQueue.OpenAsync(_database.ConnectionString);
        _workers = new QueueTestWorkers(_database.Path, Path.Combine(_database.Directory, "ledger.txt"));
    }

    public async Task DisposeAsync()
    {
        _workers.Dispose();
        await _queue.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task Killing_a_worker_process_with_jobs_in_flight_loses_nothing_and_its_jobs_are_rescued_within_two_leases_issue5()
    {
        IReadOnlyList<JobHandle> handles = await _queue.EnqueueManyAsync(Enumerable.Range(0, Jobs).Select(i => new JobRequest("chaos.job", $"{i}", new EnqueueOptions { MaxAttempts = 5 })));
        Process victim = await _workers.StartAsync("victim", Lease, concurrency: 4);
        Process survivor = await _workers.StartAsync("survivor", Lease, concurrency: 4);

        // Kill the victim while it holds running jobs.
        List<JobInfo> held = [];
        var limit = Stopwatch.StartNew();
        while (held.Count == 0 || !_workers.HasLedger("victim"))
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), "The victim never held running jobs.");
            await Task.Delay(5);
            held = [.. (await _queue.ListAsync(new JobListQuery { State = JobState.Running, Limit = 100 })).Jobs.Where(j => j.AttemptedBy == "victim")];
        }

        victim.Kill();
        DateTimeOffset killedAt = TimeProvider.System.GetUtcNow();
        await victim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // What the dead worker left running (it may have finished some of the jobs seen above before it died);
        // its lease was renewed within the last third of a lease, so none is rescued yet.
        held = [.. (await _queue.ListAsync(new JobListQuery { State = JobState.Running, Limit = 100 })).Jobs.Where(j => j.AttemptedBy == "victim")];
        Assert.NotEmpty(held);

        limit.Restart();
        while ((await _queue.StatsAsync()).Single().Succeeded < Jobs)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(120), "Not every job succeeded.");
            await Task.Delay(20);
        }

        await QueueTestWorkers.StopAsync(survivor);

        var ledger = _workers.ReadLedger("survivor", tornLastLine: false).Concat(_workers.ReadLedger("victim", tornLastLine: true)).ToList();
        for (int i = 0; i < handles.Count; i++)
        {
            JobInfo job = (await handles[i].GetAsync())!;
            Assert.Equal((JobState.Succeeded, $"{i}"), (job.State, job.Result));

            // The attempt that succeeded ran its handler to the end exactly once.
            Assert.Single(ledger, entry => entry.Id == job.Id && entry.Attempt == job.Attempt);
        }

        foreach (JobInfo taken in held)
        {
            JobInfo job = (await _queue.GetAsync(taken.Id))!;
            Assert.True(job.Attempt > taken.Attempt, $"Job {job.Id} held by the killed worker was not run again.");
            Assert.Equal("survivor", job.AttemptedBy);
            Assert.Equal(TaskFailureKind.Lost, job.Error?.Kind);

            // A rescue makes the job due at the moment of the rescue (RunAt), and nothing later moves it. When it
            // then runs depends on the backlog ahead of it, which is the queue's order, not the rescue's speed.
            Assert.True(job.RunAt - killedAt <= 2 * Lease, $"Job {job.Id} was rescued {job.RunAt - killedAt} after the kill, more than two leases.");
        }
    }
}
