using Microsoft.Extensions.Time.Testing;

namespace Spindle.Queue.Tests.Workers;

/// <summary>Recurring jobs on fake time: each cron moment enqueues one job however many workers run; missed moments fire once.</summary>
public sealed class QueueWorkerScheduleTests : WorkerFixture
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);

    protected override TimeProvider Clock => _time;

    private static QueueWorkerOptions Faked(string id) => new()
    {
        WorkerId = id,
        Queues = new Dictionary<string, int> { ["default"] = 2 },
        PollInterval = TimeSpan.FromMilliseconds(200),
        CompletionDelay = TimeSpan.Zero,
        ScheduleRefreshInterval = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task Three_workers_on_three_connections_enqueue_each_cron_moment_once()
    {
        await Queue.SetScheduleAsync(JobSchedule.For("double.every-minute", "* * * * *", Double, 21));
        var wins = new List<(string Worker, DateTimeOffset Moment)>();
        var queues = new List<JobQueue> { Queue };
        for (int i = 1; i < 3; i++)
        {
            queues.Add(await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { TimeProvider = _time }));
        }

        var workers = queues.Select((queue, i) => QueueWorker.Create(queue, Catalog, Faked($"w{i}") with
        {
            Hooks = new WorkerHooks { SchedulesFired = fired => { lock (wins) { wins.AddRange(fired.Select(f => ($"w{i}", f.Occurrence))); } } },
        })).ToList();
        foreach (QueueWorker worker in workers)
        {
            await worker.StartAsync();
        }

        for (int minute = 1; minute <= 5; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            DateTimeOffset moment = Noon.AddMinutes(minute);
            await Eventually(async () => (await Queue.ListSchedulesAsync()).Single().LastRunAt == moment, $"minute {minute} fired");
        }

        // Every worker wakes for every moment; let any late pass run before counting.
        _time.Advance(TimeSpan.FromSeconds(30));
        await Eventually(async () => (await Queue.StatsAsync()).Sum(s => s.Succeeded) == 5, "the five jobs ran");
        foreach (QueueWorker worker in workers)
        {
            await worker.DisposeAsync();
        }

        JobPage page = await Queue.ListAsync(new JobListQuery { Kind = "test.double" });
        Assert.Equal(5, page.Jobs.Count);
        Assert.All(page.Jobs, job => Assert.Equal("42", job.Result));
        Assert.Equal(Enumerable.Range(1, 5).Select(m => Noon.AddMinutes(m)), wins.Select(w => w.Moment).Order());
        JobScheduleInfo schedule = Assert.Single(await Queue.ListSchedulesAsync());
        Assert.Equal(Noon.AddMinutes(6), schedule.NextRunAt);
        Assert.Contains(schedule.LastJobId, page.Jobs.Select(j => (long?)j.Id));
        foreach (JobQueue queue in queues.Skip(1))
        {
            await queue.DisposeAsync();
        }
    }

    [Fact]
    public async Task Five_schedules_due_at_one_moment_fire_in_one_pass_and_the_other_wakes_find_them_done()
    {
        for (int i = 0; i < 5; i++)
        {
            await Queue.SetScheduleAsync(JobSchedule.For($"double.{i}", "* * * * *", Double, i));
        }

        int started = 0, passes = 0, covered = 0;
        var hooks = new WorkerHooks
        {
            SchedulePass = (wokenFor, ran) => Interlocked.Increment(ref wokenFor is null ? ref started : ref ran ? ref passes : ref covered),
        };
        // No refresh pass before the moment: the cron entries alone wake the worker for it.
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with { ScheduleRefreshInterval = TimeSpan.FromMinutes(10), Hooks = hooks });
        await worker.StartAsync();
        await Eventually(() => Task.FromResult(Volatile.Read(ref started) > 0), "the worker's first pass (it makes the cron entries)");

        _time.Advance(TimeSpan.FromMinutes(1));
        await Eventually(() => Task.FromResult(Volatile.Read(ref passes) + Volatile.Read(ref covered) == 5), "all five cron entries woke");

        Assert.Equal(1, passes);
        Assert.Equal(4, covered);
        Assert.All(await Queue.ListSchedulesAsync(), s => Assert.Equal(Noon.AddMinutes(1), s.LastRunAt));
    }

    [Fact]
    public async Task Moments_missed_while_no_worker_ran_fire_once_for_the_latest()
    {
        await Queue.SetScheduleAsync(JobSchedule.For("double.every-minute", "* * * * *", Double, 1));
        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30));

        int fired = 0;
        await using (QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("late") with { Hooks = new WorkerHooks { SchedulesFired = f => Interlocked.Add(ref fired, f.Count) } }))
        {
            await worker.StartAsync();
            await Eventually(async () => (await Queue.StatsAsync()).Sum(s => s.Succeeded) == 1, "the one catch-up job ran");
        }

        Assert.Equal(1, fired);
        JobScheduleInfo schedule = Assert.Single(await Queue.ListSchedulesAsync());
        Assert.Equal(Noon.AddHours(1), schedule.LastRunAt);
        Assert.Equal(Noon.AddMinutes(61), schedule.NextRunAt);
        Assert.Single((await Queue.ListAsync()).Jobs);
    }

    [Fact]
    public async Task A_removed_schedule_stops_firing_and_a_new_one_starts_on_the_running_worker()
    {
        await Queue.SetScheduleAsync(JobSchedule.For("old", "* * * * *", Double, 1));
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w"));
        await worker.StartAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await Eventually(async () => (await Queue.ListSchedulesAsync()).Single().LastJobId is not null, "the old schedule fired");

        Assert.True(await Queue.RemoveScheduleAsync("old"));
        await Queue.SetScheduleAsync(JobSchedule.For("new", "*/2 * * * *", Double, 2));
        _time.Advance(TimeSpan.FromSeconds(30)); // the refresh pass gives the new schedule its cron entry
        _time.Advance(TimeSpan.FromSeconds(30)); // 12:02, a moment of both
        await Eventually(async () => (await Queue.ListSchedulesAsync()).Single().LastJobId is not null, "the new schedule fired");

        JobPage page = await Queue.ListAsync(new JobListQuery { Kind = "test.double" });
        Assert.Equal(["[1]", "[2]"], page.Jobs.OrderBy(j => j.Id).Select(j => $"[{j.Arguments}]"));
    }

    [Fact]
    public async Task Issue6_A_firing_that_wakes_an_idle_queue_runs_its_whole_backlog_not_one_claim_per_wake()
    {
        // SQLite gives no hint of new jobs: a firing's wake, or the poll, is what claims again. The worker starts at
        // 12:00:30 and its first claim finds nothing, so the queue idles until 12:01:30; the schedule fires at 12:01.
        await Queue.SetScheduleAsync(JobSchedule.For("double.every-minute", "* * * * *", Double, 21));
        _time.Advance(TimeSpan.FromSeconds(30));
        var firstClaim = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with
        {
            PollInterval = TimeSpan.FromMinutes(1),
            Hooks = new WorkerHooks { Claimed = (_, taken) => firstClaim.TrySetResult(taken) },
        });
        await worker.StartAsync();
        Assert.Equal(0, await firstClaim.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        // A backlog of five times the two slots arrives unannounced; the firing adds one job and wakes the fetcher,
        // whose full claim must be followed by more as slots free, until the backlog is done, before the poll.
        await Queue.EnqueueManyAsync(Double, Enumerable.Range(0, 10));
        _time.Advance(TimeSpan.FromSeconds(30));
        await Eventually(async () => (await Queue.StatsAsync()).Sum(s => s.Succeeded) == 11, "the backlog and the fired job ran");
    }
}
