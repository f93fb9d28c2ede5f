using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

/// <summary>
/// Batches as a busy client and worker send them: many jobs in one insert, many outcomes in one completion. A store
/// may write such a batch in fewer statements than jobs (the SQLite store does); each job must still be itself.
/// </summary>
public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task A_bulk_insert_writes_every_field_of_every_job()
    {
        var backoff = new RetryBackoff { Initial = TimeSpan.FromSeconds(2), Maximum = TimeSpan.FromMinutes(5), Jitter = 0.125 };
        DateTimeOffset expires = Now.AddHours(1);
        JobInsert first = NewJob("images.resize", "media", priority: -7, maxAttempts: 4, expiresAt: expires, arguments: """{"path":"a.png"}""", timeout: TimeSpan.FromMilliseconds(90_500))
            with { Backoff = backoff };
        JobInsert second = NewJob("mail.send", "mail", priority: 3, runAt: Now.AddMinutes(5), arguments: "[1,2.50,true,null]");

        IReadOnlyList<JobInserted> inserted = await InsertAsync(first, second);

        Assert.Equal([(JobState.Available, true, "images.resize", "media"), (JobState.Scheduled, true, "mail.send", "mail")], inserted.Select(i => (i.State, i.Created, i.Kind, i.Queue)));
        JobInfo a = await GetAsync(inserted[0].Id);
        Assert.Equal(("images.resize", "media", JobState.Available, -7, """{"path":"a.png"}"""), (a.Kind, a.Queue, a.State, a.Priority, a.Arguments));
        Assert.Equal((0, 4, TimeSpan.FromMilliseconds(90_500), backoff, (string?)null), (a.Attempt, a.MaxAttempts, a.Timeout, a.Backoff, a.UniqueKey));
        Assert.Equal((Start, Start, expires), (a.CreatedAt, a.RunAt, a.ExpiresAt));
        Assert.Null(a.Result);
        Assert.Null(a.AttemptedAt);
        JobInfo b = await GetAsync(inserted[1].Id);
        Assert.Equal(("mail.send", "mail", JobState.Scheduled, 3, "[1,2.50,true,null]"), (b.Kind, b.Queue, b.State, b.Priority, b.Arguments));
        Assert.Equal((3, (TimeSpan?)null, RetryBackoff.Default, Now.AddMinutes(5), (DateTimeOffset?)null), (b.MaxAttempts, b.Timeout, b.Backoff, b.RunAt, b.ExpiresAt));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_bulk_insert_keeps_arguments_in_any_text_exactly(bool ownOptions)
    {
        string[] arguments =
        [
            """{"s":"é ü 中文 😀 \"quoted\" \\ back\nslash\t\u0001 \u2028"}""",
            "\"😀😀\"",
            """  { "spaced" : [ 1 , 2 ] }  """,
            "{\"raw\":\"é\u00a0ß\"}",
            """{"escaped":"\u0000 \ud83d\ude00 \/"}""",
        ];

        IReadOnlyList<JobInserted> inserted = await InsertAsync(arguments.Select((a, i) => NewJob(arguments: a, priority: OwnPriority(ownOptions, i))).ToArray());

        for (int i = 0; i < arguments.Length; i++)
        {
            JobInfo job = await GetAsync(inserted[i].Id);
            Assert.Equal((arguments[i], OwnPriority(ownOptions, i)), (job.Arguments, job.Priority));
        }
    }

    [Fact]
    public async Task A_bulk_insert_mixing_unique_keys_keeps_each_job_in_its_place()
    {
        long existing = await InsertOneAsync(NewJob(uniqueKey: "taken", arguments: """{"n":"old"}"""));

        IReadOnlyList<JobInserted> inserted = await InsertAsync(
            NewJob(arguments: """{"n":0}"""),
            NewJob(arguments: """{"n":1}"""),
            NewJob(uniqueKey: "taken", arguments: """{"n":2}"""),
            NewJob(arguments: """{"n":3}""", runAt: Now.AddMinutes(1)),
            NewJob(uniqueKey: "fresh", arguments: """{"n":4}"""),
            NewJob(arguments: """{"n":5}"""),
            NewJob(uniqueKey: "fresh", arguments: """{"n":6}"""));

        Assert.Equal([true, true, false, true, true, true, false], inserted.Select(i => i.Created));
        Assert.Equal(existing, inserted[2].Id);
        Assert.Equal(inserted[4].Id, inserted[6].Id);
        Assert.Equal(JobState.Scheduled, inserted[3].State);
        long[] created = inserted.Where(i => i.Created).Select(i => i.Id).ToArray();
        Assert.Equal(created.Order(), created);
        foreach ((int index, string expected) in new[] { (0, "0"), (1, "1"), (2, "\"old\""), (3, "3"), (4, "4"), (5, "5"), (6, "4") })
        {
            Assert.Equal($$"""{"n":{{expected}}}""", (await GetAsync(inserted[index].Id)).Arguments);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_bulk_insert_of_thousands_keeps_every_job_in_its_place(bool ownOptions)
    {
        long[] ids = await InsertManyAsync(2_345, i => NewJob(arguments: $"{{\"i\":{i}}}", priority: OwnPriority(ownOptions, i)));

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(2_345, ids.Distinct().Count());
        JobPage page = await Store.JobsList(new JobsListParams(Queue: "default", State: null, Kind: null, Cursor: null, Limit: 5_000, NewestFirst: false), CancellationToken.None);
        Assert.Equal(ids, page.Jobs.Select(j => j.Id));
        Assert.Equal(Enumerable.Range(0, 2_345).Select(i => ($"{{\"i\":{i}}}", OwnPriority(ownOptions, i))), page.Jobs.Select(j => (j.Arguments, j.Priority)));
    }

    [Fact]
    public async Task A_batch_of_successes_records_each_in_order_and_refuses_the_stale_ones()
    {
        await InsertManyAsync(5);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(5);

        JobsCompleteResult result = await CompleteAsync(
            JobCompletion.Succeeded(jobs[0].Id, 1, "\"é 😀 \\\"\""),
            JobCompletion.Succeeded(jobs[1].Id, 2, "\"stale\""),
            JobCompletion.Failed(jobs[2].Id, 1, Failure("x"), Now.AddMinutes(1)),
            JobCompletion.Succeeded(jobs[3].Id, 1, "null"),
            JobCompletion.Succeeded(jobs[4].Id, 1, """{"ok":[1,2]}"""));

        Assert.Equal([(jobs[0].Id, JobState.Succeeded), (jobs[2].Id, JobState.Retrying), (jobs[3].Id, JobState.Succeeded), (jobs[4].Id, JobState.Succeeded)], result.Completed);
        Assert.Equal([new JobLease(jobs[1].Id, 2)], result.Stale);
        JobInfo first = await GetAsync(jobs[0].Id);
        Assert.Equal((JobState.Succeeded, "\"é 😀 \\\"\"", Now, (DateTimeOffset?)null), (first.State, first.Result, first.FinishedAt, first.LeaseExpiresAt));
        Assert.Equal((JobState.Running, (string?)null), ((await GetAsync(jobs[1].Id)).State, (await GetAsync(jobs[1].Id)).Result));
        Assert.Equal("null", (await GetAsync(jobs[3].Id)).Result);
        Assert.Equal("""{"ok":[1,2]}""", (await GetAsync(jobs[4].Id)).Result);
    }

    [Fact]
    public async Task A_job_completed_twice_in_one_batch_is_recorded_once_and_the_second_is_stale()
    {
        await InsertManyAsync(2);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(2);

        JobsCompleteResult result = await CompleteAsync(
            JobCompletion.Succeeded(jobs[0].Id, 1, "1"),
            JobCompletion.Succeeded(jobs[1].Id, 1, "2"),
            JobCompletion.Succeeded(jobs[0].Id, 1, "3"));

        Assert.Equal([(jobs[0].Id, JobState.Succeeded), (jobs[1].Id, JobState.Succeeded)], result.Completed);
        Assert.Equal([new JobLease(jobs[0].Id, 1)], result.Stale);
        Assert.Equal("1", (await GetAsync(jobs[0].Id)).Result);
    }

    [Fact]
    public async Task A_bulk_insert_stores_what_a_single_insert_stores_for_the_same_job()
    {
        // Values a binary double or a millisecond clock cannot hold exactly: each path must round them the same way.
        var backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(1.7), Maximum = TimeSpan.FromSeconds(10.0005), Jitter = 0.1 };
        JobInsert job = NewJob(timeout: TimeSpan.FromMilliseconds(1.5), runAt: Now.AddTicks(123_4567), expiresAt: Now.AddTicks(987_6543)) with { Backoff = backoff };

        JobInserted single = Assert.Single(await InsertAsync(job with { UniqueKey = "alone" }));
        IReadOnlyList<JobInserted> bulk = await InsertAsync(job, job);

        JobInfo expected = await GetAsync(single.Id);
        foreach (JobInserted inserted in bulk)
        {
            JobInfo actual = await GetAsync(inserted.Id);
            Assert.Equal((expected.State, expected.Timeout, expected.Backoff, expected.RunAt, expected.ExpiresAt, expected.Priority),
                (actual.State, actual.Timeout, actual.Backoff, actual.RunAt, actual.ExpiresAt, actual.Priority));
        }
    }

    [Fact]
    public async Task A_bulk_insert_of_jobs_sharing_their_options_stores_what_one_of_jobs_with_their_own_options_stores()
    {
        // One EnqueueMany call (every job with the same options; the SQLite store binds those once) against jobs whose
        // options differ from one to the next: each job must come out the same either way, in its place.
        var backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(1.7), Maximum = TimeSpan.FromSeconds(10.0005), Jitter = 0.1 };
        JobInsert template = NewJob("images.resize", "media", priority: -7, maxAttempts: 4, timeout: TimeSpan.FromMilliseconds(1.5),
            runAt: Now.AddTicks(-123_4567), expiresAt: Now.AddHours(1).AddTicks(987_6543)) with { Backoff = backoff };
        JobInsert[] shared = [.. Enumerable.Range(0, 5).Select(i => template with { Arguments = $$"""{"i":{{i}},"s":"é \"{{i}}\""}""" })];
        JobInsert[] mixed = [.. shared.Select((job, i) => i % 2 == 0 ? job : job with { Priority = -8 })];
        JobInsert later = template with { RunAt = Now.AddMinutes(5) };

        IReadOnlyList<JobInserted> sharing = await InsertAsync(shared);
        IReadOnlyList<JobInserted> own = await InsertAsync(mixed);
        IReadOnlyList<JobInserted> scheduled = await InsertAsync(later, later);

        Assert.Equal(sharing.Select(i => i.Id).Order(), sharing.Select(i => i.Id));
        Assert.All(sharing.Concat(own), i => Assert.Equal((JobState.Available, true, "images.resize", "media"), (i.State, i.Created, i.Kind, i.Queue)));
        Assert.All(scheduled, i => Assert.Equal(JobState.Scheduled, i.State));
        for (int i = 0; i < shared.Length; i++)
        {
            JobInfo a = await GetAsync(sharing[i].Id);
            JobInfo b = await GetAsync(own[i].Id);
            Assert.Equal(shared[i].Arguments, a.Arguments);
            Assert.Equal(
                (b.Kind, b.Queue, b.State, i % 2 == 0 ? b.Priority : -7, b.Arguments, b.MaxAttempts, b.Timeout, b.Backoff, b.CreatedAt, b.RunAt, b.ExpiresAt, b.UniqueKey),
                (a.Kind, a.Queue, a.State, a.Priority, a.Arguments, a.MaxAttempts, a.Timeout, a.Backoff, a.CreatedAt, a.RunAt, a.ExpiresAt, a.UniqueKey));
        }

        // Claimed in the order they were given (equal rank and run_at: by id), ahead of the lower priority ones.
        IReadOnlyList<JobInfo> claimed = await ClaimAsync(5, "media");
        Assert.Equal(sharing.Select(i => i.Id), claimed.Select(j => j.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_bulk_insert_of_jobs_with_large_arguments_keeps_each_whole_and_in_its_place(bool ownOptions)
    {
        // Near and past a megabyte each: more than one statement's worth together, one of them more than that alone.
        string Large(char fill, int length) => "\"" + new string(fill, length) + "\"";
        string[] arguments = ["1", Large('a', 600_000), Large('b', 600_000), "2", Large('c', 1_100_000), "3", "4"];

        IReadOnlyList<JobInserted> inserted = await InsertAsync(arguments.Select((a, i) => NewJob(arguments: a, priority: OwnPriority(ownOptions, i))).ToArray());

        Assert.Equal(inserted.Select(i => i.Id).Order(), inserted.Select(i => i.Id));
        for (int i = 0; i < arguments.Length; i++)
        {
            JobInfo job = await GetAsync(inserted[i].Id);
            Assert.Equal((arguments[i], OwnPriority(ownOptions, i)), (job.Arguments, job.Priority));
        }
    }

    [Fact]
    public async Task A_batch_of_successes_with_large_results_records_each_whole()
    {
        await InsertManyAsync(5);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(5);
        string[] results = ["\"" + new string('x', 700_000) + "\"", "\"" + new string('y', 700_000) + "\"", "1", "\"" + new string('z', 1_200_000) + "\"", "2"];

        JobsCompleteResult result = await CompleteAsync(jobs.Select((job, i) => JobCompletion.Succeeded(job.Id, 1, results[i])).ToArray());

        Assert.Equal(jobs.Select(j => (j.Id, JobState.Succeeded)), result.Completed);
        Assert.Empty(result.Stale);
        for (int i = 0; i < jobs.Count; i++)
        {
            Assert.Equal(results[i], (await GetAsync(jobs[i].Id)).Result);
        }
    }

    [Fact]
    public async Task A_batch_of_successes_for_attempts_already_rescued_records_none()
    {
        await InsertManyAsync(3);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(3);
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await RescueAsync()).Count);

        // Same attempt numbers, but no attempt runs any more: the state fence refuses them.
        JobsCompleteResult result = await CompleteAsync(jobs.Select(job => JobCompletion.Succeeded(job.Id, job.Attempt, "1")).ToArray());

        Assert.Empty(result.Completed);
        Assert.Equal(jobs.Select(LeaseOf), result.Stale);
        foreach (JobInfo job in jobs)
        {
            Assert.Null((await GetAsync(job.Id)).Result);
        }
    }

    /// <summary>
    /// A priority that differs from one job to the next when <paramref name="ownOptions"/> (a batch of jobs each with its
    /// own options), or the same for all (one <c>EnqueueMany</c> call): stores may write the two kinds of batch differently.
    /// </summary>
    private static int OwnPriority(bool ownOptions, int index) => ownOptions ? index % 3 : 0;
}
