using Spindle.Tasks;

namespace Spindle.Queue.Tests;

public sealed class JobQueueEnqueueTests : QueueFixture
{
    public sealed record ResizeArgs(string Path, int Width);

    [Fact]
    public async Task A_job_enqueued_by_kind_takes_every_default_and_is_available_now()
    {
        JobHandle handle = await Queue.EnqueueAsync("images.resize", """{"path":"a.png"}""");
        JobInfo job = (await handle.GetAsync())!;

        Assert.True(handle.Created);
        Assert.Equal((JobState.Available, "images.resize", "default"), (handle.State, handle.Kind, handle.Queue));
        Assert.Equal(handle.Id, job.Id);
        Assert.Equal("""{"path":"a.png"}""", job.Arguments);
        Assert.Equal((0, 5, 0), (job.Priority, job.MaxAttempts, job.Attempt));
        Assert.Equal(RetryBackoff.Default, job.Backoff);
        Assert.Null(job.Timeout);
        Assert.Equal((Start, Start), (job.CreatedAt, job.RunAt));
        Assert.Equal($"job {handle.Id} (images.resize on default)", handle.ToString());
    }

    [Fact]
    public async Task Every_option_reaches_the_stored_job()
    {
        var backoff = new RetryBackoff { Initial = TimeSpan.FromSeconds(5), Maximum = TimeSpan.FromMinutes(1), Jitter = 0 };
        var options = new EnqueueOptions
        {
            Queue = "media", Priority = -4, Delay = TimeSpan.FromMinutes(3), ExpiresAt = Start.AddHours(1),
            MaxAttempts = 9, Backoff = backoff, Timeout = TimeSpan.FromSeconds(45), UniqueKey = "resize:a.png",
        };

        JobHandle handle = await Queue.EnqueueAsync("images.resize", "{}", options);
        JobInfo job = (await Queue.GetAsync(handle.Id))!;

        Assert.Equal(JobState.Scheduled, handle.State);
        Assert.Equal(("media", -4, Start.AddMinutes(3), Start.AddHours(1)), (job.Queue, job.Priority, job.RunAt, job.ExpiresAt!.Value));
        Assert.Equal((9, backoff, TimeSpan.FromSeconds(45), "resize:a.png"), (job.MaxAttempts, job.Backoff, job.Timeout!.Value, job.UniqueKey));
    }

    [Fact]
    public async Task A_run_at_time_is_kept_as_given()
    {
        JobHandle handle = await Queue.EnqueueAsync("report.build", "{}", new EnqueueOptions { RunAt = Start.AddDays(1) });

        Assert.Equal((JobState.Scheduled, Start.AddDays(1)), (handle.State, (await handle.GetAsync())!.RunAt));
    }

    [Fact]
    public async Task A_typed_kind_serializes_its_arguments_with_its_codec_and_returns_a_typed_handle()
    {
        var catalog = new TaskCatalog();
        TaskKind<ResizeArgs, int> resize = catalog.Add("images.resize", (ResizeArgs a, TaskContext _) => a.Width);

        JobHandle<int> handle = await Queue.EnqueueAsync(resize, new ResizeArgs("a.png", 640));

        Assert.Equal("""{"Path":"a.png","Width":640}""", (await handle.GetAsync())!.Arguments);
        Assert.Equal("images.resize", handle.Kind);
    }

    [Fact]
    public async Task A_second_enqueue_with_the_same_unique_key_returns_the_existing_job()
    {
        var options = new EnqueueOptions { UniqueKey = "daily-report" };

        JobHandle first = await Queue.EnqueueAsync("report.build", """{"day":1}""", options);
        JobHandle second = await Queue.EnqueueAsync("report.build", """{"day":2}""", options);

        Assert.Equal((true, false), (first.Created, second.Created));
        Assert.Equal(first.Id, second.Id);
        Assert.Single((await Queue.ListAsync()).Jobs);
    }

    [Fact]
    public async Task Issue5_A_unique_key_taken_by_another_kind_describes_that_job_and_refuses_a_typed_handle()
    {
        var options = new EnqueueOptions { UniqueKey = "k", Queue = "reports" };
        JobHandle report = await Queue.EnqueueAsync("report.build", "{}", options);

        JobHandle other = await Queue.EnqueueAsync("mail.send", "{}", new EnqueueOptions { UniqueKey = "k" });
        Assert.Equal((report.Id, false, "report.build", "reports"), (other.Id, other.Created, other.Kind, other.Queue));

        var catalog = new TaskCatalog();
        TaskKind<int, long> square = catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(square, 3, new EnqueueOptions { UniqueKey = "k" }));
        Assert.Contains("already taken by job", error.Message);
        Assert.Contains("'report.build'", error.Message);
    }

    [Fact]
    public async Task A_bulk_enqueue_adds_every_job_in_order()
    {
        IReadOnlyList<JobHandle> handles = await Queue.EnqueueManyAsync(Enumerable.Range(0, 100).Select(i =>
            new JobRequest("math.square", $"{i}", new EnqueueOptions { Queue = i % 2 == 0 ? "even" : "odd" })));

        Assert.Equal(100, handles.Count);
        Assert.Equal(handles.Select(h => h.Id).Order(), handles.Select(h => h.Id));
        Assert.Equal("99", (await handles[99].GetAsync())!.Arguments);
        Assert.Equal([50L, 50L], (await Queue.StatsAsync()).Select(s => s.Available));
    }

    [Fact]
    public async Task A_typed_bulk_enqueue_adds_one_job_per_argument()
    {
        var catalog = new TaskCatalog();
        TaskKind<int, long> square = catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);

        IReadOnlyList<JobHandle<long>> handles = await Queue.EnqueueManyAsync(square, [1, 2, 3], new EnqueueOptions { Priority = 3 });

        Assert.Equal(["1", "2", "3"], await Task.WhenAll(handles.Select(async h => (await h.GetAsync())!.Arguments)));
        Assert.All(await Task.WhenAll(handles.Select(h => h.GetAsync())), j => Assert.Equal(3, j!.Priority));
    }

    [Fact]
    public async Task A_bulk_enqueue_with_one_invalid_job_adds_none_and_names_the_job()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueManyAsync(
        [
            new JobRequest("a.job", "{}"),
            new JobRequest("a.job", "{}"),
            new JobRequest("a.job", "{}", new EnqueueOptions { MaxAttempts = 0 }),
        ]));

        Assert.StartsWith("Job 2 of the batch: EnqueueOptions.MaxAttempts must be between 1 and 1,000.", error.Message, StringComparison.Ordinal);
        Assert.Empty((await Queue.ListAsync()).Jobs);
    }

    [Fact]
    public async Task An_empty_bulk_enqueue_returns_no_handles()
    {
        Assert.Empty(await Queue.EnqueueManyAsync([]));
    }

    public static TheoryData<EnqueueOptions, string, string> InvalidOptions => new()
    {
        { new EnqueueOptions { Queue = "" }, "Queue", "EnqueueOptions.Queue '' is not a valid queue name" },
        { new EnqueueOptions { Queue = "a/b" }, "Queue", "EnqueueOptions.Queue 'a/b' is not a valid queue name: use 1 to 100 ASCII letters" },
        { new EnqueueOptions { Priority = 1_000_001 }, "Priority", "EnqueueOptions.Priority must be between -1,000,000 and 1,000,000." },
        { new EnqueueOptions { RunAt = Start, Delay = TimeSpan.FromSeconds(1) }, "Delay", "EnqueueOptions.RunAt and EnqueueOptions.Delay cannot both be set" },
        { new EnqueueOptions { Delay = TimeSpan.FromSeconds(-1) }, "Delay", "EnqueueOptions.Delay must be between 0 and 3,650 days." },
        { new EnqueueOptions { ExpiresAt = Start }, "ExpiresAt", "EnqueueOptions.ExpiresAt must be later than now" },
        { new EnqueueOptions { RunAt = Start.AddHours(2), ExpiresAt = Start.AddHours(1) }, "ExpiresAt", "EnqueueOptions.ExpiresAt must be later than now" },
        { new EnqueueOptions { MaxAttempts = 1001 }, "MaxAttempts", "EnqueueOptions.MaxAttempts must be between 1 and 1,000." },
        { new EnqueueOptions { Backoff = new RetryBackoff { Initial = TimeSpan.Zero } }, "Initial", "EnqueueOptions.Backoff.Initial must be between 1 millisecond and 1 day." },
        { new EnqueueOptions { Backoff = new RetryBackoff { Maximum = TimeSpan.FromMilliseconds(10) } }, "Maximum", "EnqueueOptions.Backoff.Maximum must be between Initial" },
        { new EnqueueOptions { Timeout = TimeSpan.FromDays(8) }, "Timeout", "EnqueueOptions.Timeout must be between 1 millisecond and 7 days." },
        { new EnqueueOptions { UniqueKey = "" }, "UniqueKey", "EnqueueOptions.UniqueKey must be 1 to 500 characters" },
        { new EnqueueOptions { UniqueKey = new string('k', 501) }, "UniqueKey", "EnqueueOptions.UniqueKey must be 1 to 500 characters" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task An_invalid_option_is_refused_naming_it_and_nothing_is_enqueued(EnqueueOptions options, string parameter, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => Queue.EnqueueAsync("a.job", "{}", options));

        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty((await Queue.ListAsync()).Jobs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("images/resize")]
    public async Task A_kind_string_outside_the_rules_is_refused(string kind)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(kind, "{}"));

        Assert.Equal("kind", error.ParamName);
        Assert.StartsWith($"Task kind '{kind}' is not valid", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{} {}")]
    [InlineData("{'a':1}")]
    public async Task Arguments_that_are_not_json_are_refused(string arguments)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync("a.job", arguments));

        Assert.Equal("arguments", error.ParamName);
        Assert.StartsWith("The arguments of a 'a.job' job are not valid JSON:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_over_the_size_limit_are_refused_naming_the_limit()
    {
        await using JobQueue small = await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { MaxArgumentsBytes = 10, TimeProvider = Time });

        await small.EnqueueAsync("a.job", "\"12345678\"");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => small.EnqueueAsync("a.job", "\"123456789\""));

        Assert.Equal("The arguments of a 'a.job' job are 11 bytes of JSON; JobQueueOptions.MaxArgumentsBytes allows 10. (Parameter 'arguments')", error.Message);
    }

    [Fact]
    public async Task A_disposed_queue_refuses_calls()
    {
        await Queue.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Queue.EnqueueAsync("a.job", "{}"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Queue.GetAsync(1));
        await Queue.DisposeAsync();
    }
}
