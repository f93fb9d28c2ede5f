using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

/// <summary>Recurring-job schedules: set, keep, remove, and the compare-and-set that fires each moment once.</summary>
public abstract partial class JobStoreConformanceTests
{
    private static readonly DateTimeOffset Minute1 = Start.AddMinutes(1);

    private protected static ScheduleDefinition NewSchedule(string name = "reports.nightly", string cron = "* * * * *", string kind = "reports.build", int priority = 3) =>
        new(name, cron, "UTC", NewJob(kind: kind, queue: "reports", priority: priority, arguments: """{"days":1}""", timeout: TimeSpan.FromMinutes(5)));

    private protected Task<JobScheduleInfo> SetScheduleAsync(ScheduleDefinition schedule, DateTimeOffset? next) =>
        Store.SchedulesSet(new SchedulesSetParams(schedule, next, Now), CancellationToken.None);

    /// <summary>A firing of a schedule last set at <paramref name="setAt"/> (the tests set theirs at <see cref="Start"/> unless they say otherwise).</summary>
    private protected static ScheduleFiring Firing(string name, DateTimeOffset expected, DateTimeOffset occurrence, DateTimeOffset? next, DateTimeOffset now, DateTimeOffset? setAt = null, string arguments = "{}") =>
        new(name, expected, setAt ?? Start, occurrence, next, NewJob(kind: "reports.build", queue: "reports", runAt: now, arguments: arguments, uniqueKey: $"schedule:{name}:{occurrence.ToUnixTimeMilliseconds()}"));

    [Fact]
    public async Task Schedules_set_stores_the_template_and_the_next_moment()
    {
        JobScheduleInfo stored = await SetScheduleAsync(NewSchedule(), Minute1);

        Assert.Equal("reports.nightly", stored.Name);
        Assert.Equal("* * * * *", stored.Cron);
        Assert.Equal("UTC", stored.TimeZone);
        Assert.Equal(("reports.build", "reports", 3, """{"days":1}""", 3), (stored.Kind, stored.Queue, stored.Priority, stored.Arguments, stored.MaxAttempts));
        Assert.Equal(TimeSpan.FromMinutes(5), stored.Timeout);
        Assert.Equal(RetryBackoff.Default, stored.Backoff);
        Assert.Equal(Minute1, stored.NextRunAt);
        Assert.Null(stored.LastRunAt);
        Assert.Null(stored.LastJobId);
        Assert.Equal(Now, stored.CreatedAt);
        Assert.Equal(stored, Assert.Single(await Store.SchedulesList(new SchedulesListParams(), CancellationToken.None)));
    }

    [Fact]
    public async Task Schedules_set_again_with_the_same_cron_keeps_the_next_moment_and_a_new_cron_replaces_it()
    {
        await SetScheduleAsync(NewSchedule(), Minute1);
        Time.Advance(TimeSpan.FromSeconds(20));

        // Same moments, new template: the stored next moment stays, so nothing fires twice or is skipped.
        JobScheduleInfo same = await SetScheduleAsync(NewSchedule(priority: 9), Minute1.AddMinutes(7));
        Assert.Equal(Minute1, same.NextRunAt);
        Assert.Equal(9, same.Priority);
        Assert.Equal(Start, same.CreatedAt);
        Assert.Equal(Now, same.UpdatedAt);

        JobScheduleInfo changed = await SetScheduleAsync(NewSchedule(cron: "*/5 * * * *"), Start.AddMinutes(5));
        Assert.Equal(Start.AddMinutes(5), changed.NextRunAt);
        Assert.Equal("*/5 * * * *", changed.Cron);
    }

    [Fact]
    public async Task Schedules_fire_enqueues_one_job_and_a_second_firing_of_the_same_moment_changes_nothing()
    {
        await SetScheduleAsync(NewSchedule(), Minute1);
        Time.Advance(TimeSpan.FromMinutes(1));
        IJobStore other = await OpenStoreAsync();

        IReadOnlyList<ScheduleFired> first = await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now)], Now), CancellationToken.None);
        IReadOnlyList<ScheduleFired> second = await other.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now)], Now), CancellationToken.None);

        ScheduleFired fired = Assert.Single(first);
        Assert.Empty(second);
        Assert.Equal(("reports.nightly", Minute1), (fired.Name, fired.Occurrence));
        JobInfo job = await GetAsync(fired.JobId);
        Assert.Equal(("reports.build", "reports", JobState.Available), (job.Kind, job.Queue, job.State));
        Assert.Single((await Store.JobsList(new JobsListParams(null, null, null, null, 100, false), CancellationToken.None)).Jobs);

        JobScheduleInfo after = Assert.Single(await Store.SchedulesList(new SchedulesListParams(), CancellationToken.None));
        Assert.Equal(Minute1.AddMinutes(1), after.NextRunAt);
        Assert.Equal(Minute1, after.LastRunAt);
        Assert.Equal(fired.JobId, after.LastJobId);
    }

    [Fact]
    public async Task Schedules_fire_of_a_moment_whose_job_exists_finds_it_by_its_unique_key()
    {
        // The compare-and-set is the guard; the unique key is the second one (a schedule set back to an earlier moment).
        await SetScheduleAsync(NewSchedule(), Minute1);
        Time.Advance(TimeSpan.FromMinutes(1));
        ScheduleFired first = Assert.Single(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now)], Now), CancellationToken.None));

        JobScheduleInfo reset = await SetScheduleAsync(NewSchedule(cron: "*/1 * * * *"), Minute1);
        ScheduleFired again = Assert.Single(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now, reset.UpdatedAt)], Now), CancellationToken.None));

        Assert.Equal(first.JobId, again.JobId);
        Assert.Single((await Store.JobsList(new JobsListParams(null, null, null, null, 100, false), CancellationToken.None)).Jobs);
    }

    [Fact]
    public async Task Schedules_fire_with_no_next_moment_leaves_the_schedule_spent()
    {
        await SetScheduleAsync(NewSchedule(), Minute1);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, null, Now)], Now), CancellationToken.None));

        JobScheduleInfo spent = Assert.Single(await Store.SchedulesList(new SchedulesListParams(), CancellationToken.None));
        Assert.Null(spent.NextRunAt);
    }

    [Fact]
    public async Task Schedules_remove_deletes_by_name_and_keeps_the_jobs_it_enqueued()
    {
        await SetScheduleAsync(NewSchedule(), Minute1);
        await SetScheduleAsync(NewSchedule(name: "other"), Minute1);
        Time.Advance(TimeSpan.FromMinutes(1));
        ScheduleFired fired = Assert.Single(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, null, Now)], Now), CancellationToken.None));

        Assert.True(await Store.SchedulesRemove(new SchedulesRemoveParams("reports.nightly"), CancellationToken.None));
        Assert.False(await Store.SchedulesRemove(new SchedulesRemoveParams("reports.nightly"), CancellationToken.None));

        Assert.Equal("other", Assert.Single(await Store.SchedulesList(new SchedulesListParams(), CancellationToken.None)).Name);
        Assert.Equal(JobState.Available, (await GetAsync(fired.JobId)).State);
    }

    [Fact]
    public async Task Schedules_fire_from_a_read_older_than_the_last_set_changes_nothing_so_the_job_is_never_the_old_one()
    {
        await SetScheduleAsync(NewSchedule(), Minute1);
        Time.Advance(TimeSpan.FromMinutes(1));

        // A worker read the schedule; then it was set again with new arguments and the same cron (next moment kept).
        JobScheduleInfo reset = await SetScheduleAsync(NewSchedule() with { Template = NewSchedule().Template with { Arguments = """{"days":7}""" } }, Minute1);
        Assert.Equal(Minute1, reset.NextRunAt);

        Assert.Empty(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now, setAt: Start)], Now), CancellationToken.None));
        ScheduleFired fired = Assert.Single(await Store.SchedulesFire(new SchedulesFireParams([Firing("reports.nightly", Minute1, Minute1, Minute1.AddMinutes(1), Now, reset.UpdatedAt, """{"days":7}""")], Now), CancellationToken.None));
        Assert.Equal("""{"days":7}""", (await GetAsync(fired.JobId)).Arguments);
    }
}
