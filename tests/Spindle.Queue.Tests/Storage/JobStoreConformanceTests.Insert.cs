using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task Insert_then_get_returns_every_field_as_written()
    {
        var backoff = new RetryBackoff { Initial = TimeSpan.FromSeconds(2), Maximum = TimeSpan.FromMinutes(5), Jitter = 0.1 };
        DateTimeOffset expires = Now.AddHours(1);
        JobInsert job = NewJob("images.resize", "media", priority: 7, maxAttempts: 4, uniqueKey: "img-1", expiresAt: expires, arguments: """{"path":"a.png"}""", timeout: TimeSpan.FromSeconds(90))
            with { Backoff = backoff };

        JobInserted inserted = Assert.Single(await InsertAsync(job));
        JobInfo read = await GetAsync(inserted.Id);

        Assert.True(inserted.Created);
        Assert.Equal(JobState.Available, inserted.State);
        Assert.Equal(inserted.Id, read.Id);
        Assert.Equal("images.resize", read.Kind);
        Assert.Equal("media", read.Queue);
        Assert.Equal(JobState.Available, read.State);
        Assert.Equal(7, read.Priority);
        Assert.Equal("""{"path":"a.png"}""", read.Arguments);
        Assert.Null(read.Result);
        Assert.Null(read.Error);
        Assert.Equal(0, read.Attempt);
        Assert.Equal(4, read.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(90), read.Timeout);
        Assert.Equal(backoff, read.Backoff);
        Assert.Equal("img-1", read.UniqueKey);
        Assert.Equal(Start, read.CreatedAt);
        Assert.Equal(Start, read.RunAt);
        Assert.Equal(expires, read.ExpiresAt);
        Assert.Null(read.AttemptedAt);
        Assert.Null(read.AttemptedBy);
        Assert.Null(read.LeaseExpiresAt);
        Assert.Null(read.FinishedAt);
        Assert.False(read.IsFinished);
    }

    [Fact]
    public async Task A_job_due_later_is_scheduled_and_one_due_now_or_earlier_is_available()
    {
        IReadOnlyList<JobInserted> inserted = await InsertAsync(
            NewJob(runAt: Now.AddMinutes(5)),
            NewJob(runAt: Now),
            NewJob(runAt: Now.AddMinutes(-5)));

        Assert.Equal([JobState.Scheduled, JobState.Available, JobState.Available], inserted.Select(i => i.State));
        Assert.Equal(Now.AddMinutes(5), (await GetAsync(inserted[0].Id)).RunAt);
    }

    [Fact]
    public async Task Get_of_an_id_that_does_not_exist_returns_null()
    {
        long id = await InsertOneAsync(NewJob());

        Assert.Null(await Store.JobsGet(new JobsGetParams(id + 1000), CancellationToken.None));
    }

    [Fact]
    public async Task A_bulk_insert_returns_one_result_per_job_in_order_with_rising_ids()
    {
        long[] ids = await InsertManyAsync(50, i => NewJob(arguments: $"{{\"i\":{i}}}"));

        Assert.Equal(50, ids.Distinct().Count());
        Assert.Equal(ids.Order(), ids);
        Assert.Equal("""{"i":49}""", (await GetAsync(ids[49])).Arguments);
        Assert.Equal(50, (await StatsAsync())!.Available);
    }

    [Fact]
    public async Task A_bulk_insert_with_one_bad_job_inserts_none()
    {
        await InsertOneAsync(NewJob());

        // The store's own constraints refuse max_attempts 0 (the client validates first; this is the last line).
        await Assert.ThrowsAnyAsync<Exception>(() => InsertAsync(NewJob(), NewJob(), NewJob(maxAttempts: 0), NewJob()));

        Assert.Equal(1, (await StatsAsync())!.Total);
    }

    [Fact]
    public async Task A_second_insert_with_the_same_unique_key_returns_the_existing_job()
    {
        JobInserted first = Assert.Single(await InsertAsync(NewJob(uniqueKey: "report-2026-03", arguments: """{"v":1}""")));
        Time.Advance(TimeSpan.FromSeconds(5));
        JobInserted second = Assert.Single(await InsertAsync(NewJob(uniqueKey: "report-2026-03", arguments: """{"v":2}""")));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("""{"v":1}""", (await GetAsync(first.Id)).Arguments);
        Assert.Equal(1, (await StatsAsync())!.Total);
    }

    [Fact]
    public async Task A_unique_key_twice_in_one_bulk_insert_adds_one_job_and_returns_it_twice()
    {
        IReadOnlyList<JobInserted> inserted = await InsertAsync(NewJob(uniqueKey: "k"), NewJob(), NewJob(uniqueKey: "k"));

        Assert.Equal([true, true, false], inserted.Select(i => i.Created));
        Assert.Equal(inserted[0].Id, inserted[2].Id);
        Assert.Equal(2, (await StatsAsync())!.Total);
    }

    [Fact]
    public async Task A_unique_key_matches_a_finished_job_until_it_is_pruned()
    {
        long id = await InsertOneAsync(NewJob(uniqueKey: "once"));
        JobInfo claimed = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Succeeded(claimed.Id, claimed.Attempt, "1"));

        JobInserted again = Assert.Single(await InsertAsync(NewJob(uniqueKey: "once")));
        Assert.False(again.Created);
        Assert.Equal((id, JobState.Succeeded), (again.Id, again.State));

        Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await Store.JobsPrune(new JobsPruneParams(Now.AddDays(-1), 100), CancellationToken.None));
        JobInserted afterPrune = Assert.Single(await InsertAsync(NewJob(uniqueKey: "once")));
        Assert.True(afterPrune.Created);
        Assert.True(afterPrune.Id > id, "ids are never reused, even after the newest job was pruned");
    }

    [Fact]
    public async Task Another_instance_opened_on_the_same_database_sees_the_jobs_and_migrations_are_not_repeated()
    {
        long id = await InsertOneAsync(NewJob(arguments: """{"kept":true}"""));
        await Store.DisposeAsync();

        IJobStore reopened = await OpenStoreAsync();
        IJobStore third = await OpenStoreAsync();

        Assert.Equal("""{"kept":true}""", (await reopened.JobsGet(new JobsGetParams(id), CancellationToken.None))!.Arguments);
        JobInfo claimed = Assert.Single(await ClaimAsync(third, 5, "w"));
        Assert.Equal(id, claimed.Id);
    }
}
