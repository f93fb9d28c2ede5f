using System.Text.Json;
using Spindle.Cli.Queue;
using Spindle.Queue;

namespace Spindle.Cli.Tests.Queue;

/// <summary>The queue commands on real SQLite files, each test in a folder of its own.</summary>
public sealed class QueueCommandsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-qcli-").FullName;

    private string Store => $"sqlite:{Path.Combine(_folder, "queue.db")}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on some platform: the temp folder is cleaned by the system.
        }
    }

    private Task<SpindleRun> Spindle(params string[] args) => SpindleRun.RunAsync([.. args, "--store", Store]);

    private async Task<long> EnqueueAsync(string kind, string args)
    {
        SpindleRun run = await Spindle("enqueue", kind, "--args", args);
        Assert.True(run.ExitCode == 0, run.Errors);
        return long.Parse(run.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Enqueued_job_shows_in_jobs_job_and_stats()
    {
        SpindleRun enqueue = await Spindle("enqueue", "bench.noop", "--args", "7", "--queue", "media", "--priority", "5", "--max-attempts", "3", "--timeout", "30s", "--json");
        Assert.Equal(0, enqueue.ExitCode);
        using JsonDocument handle = JsonDocument.Parse(enqueue.Json);
        long id = handle.RootElement.GetProperty("id").GetInt64();
        Assert.Equal("media", handle.RootElement.GetProperty("queue").GetString());
        Assert.True(handle.RootElement.GetProperty("created").GetBoolean());

        SpindleRun jobs = await Spindle("jobs", "--queue", "media", "--state", "available", "--json");
        Assert.Equal(0, jobs.ExitCode);
        string line = Assert.Single(jobs.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using (JsonDocument listed = JsonDocument.Parse(line))
        {
            Assert.Equal(id, listed.RootElement.GetProperty("id").GetInt64());
            Assert.Equal("bench.noop", listed.RootElement.GetProperty("kind").GetString());
        }

        SpindleRun table = await Spindle("jobs");
        Assert.Contains("bench.noop", table.Output, StringComparison.Ordinal);

        SpindleRun job = await Spindle("job", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.Equal(0, job.ExitCode);
        using (JsonDocument detail = JsonDocument.Parse(job.Json))
        {
            Assert.Equal("Available", detail.RootElement.GetProperty("state").GetString());
            Assert.Equal(7, detail.RootElement.GetProperty("arguments").GetInt32());
            Assert.Equal(5, detail.RootElement.GetProperty("priority").GetInt32());
            Assert.Equal(3, detail.RootElement.GetProperty("maxAttempts").GetInt32());
        }

        SpindleRun stats = await Spindle("stats", "--json");
        Assert.Equal(0, stats.ExitCode);
        using JsonDocument media = JsonDocument.Parse(Assert.Single(stats.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("media", media.RootElement.GetProperty("queue").GetString());
        Assert.Equal(1, media.RootElement.GetProperty("available").GetInt64());
        Assert.Equal(1, media.RootElement.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Enqueue_command_takes_argv_after_the_double_dash()
    {
        SpindleRun run = await SpindleRun.RunAsync("enqueue", "command", "--json", "--store", Store, "--", "echo", "--json", "hi");
        Assert.True(run.ExitCode == 0, run.Errors);
        long id = JsonDocument.Parse(run.Json).RootElement.GetProperty("id").GetInt64();
        SpindleRun job = await Spindle("job", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        JsonElement argv = JsonDocument.Parse(job.Json).RootElement.GetProperty("arguments").GetProperty("argv");
        Assert.Equal(["echo", "--json", "hi"], argv.EnumerateArray().Select(a => a.GetString()!));
    }

    [Fact]
    public async Task Cancel_and_retry_exit_codes()
    {
        long id = await EnqueueAsync("bench.noop", "1");
        string text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        SpindleRun early = await Spindle("retry", text);
        Assert.Equal(ExitCodes.Refused, early.ExitCode);
        Assert.Contains("not dead or cancelled", early.Errors, StringComparison.Ordinal);

        Assert.Equal(0, (await Spindle("cancel", text)).ExitCode);
        SpindleRun again = await Spindle("cancel", text);
        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Contains("already finished", again.Errors, StringComparison.Ordinal);

        Assert.Equal(0, (await Spindle("retry", text)).ExitCode);
        SpindleRun job = await Spindle("job", text, "--json");
        Assert.Equal("Available", JsonDocument.Parse(job.Json).RootElement.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("job")]
    [InlineData("cancel")]
    [InlineData("retry")]
    public async Task Unknown_id_exits_3(string command)
    {
        SpindleRun run = await Spindle(command, "424242");
        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("No job 424242", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_args_json_is_refused_with_a_clear_error()
    {
        SpindleRun run = await Spindle("enqueue", "bench.noop", "--args", "{not json");
        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains("--args is not valid JSON", run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Invalid_options_are_refused_and_usage_errors_exit_2()
    {
        SpindleRun delay = await Spindle("enqueue", "bench.noop", "--delay", "soon");
        Assert.Equal(ExitCodes.Refused, delay.ExitCode);
        Assert.Contains("--delay 'soon' is not a duration", delay.Errors, StringComparison.Ordinal);

        SpindleRun usage = await SpindleRun.InvokeAsync("jobs", "--state", "sleeping", "--store", Store);
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }

    [Fact]
    public async Task Errors_never_echo_the_connection_string_beyond_its_scheme()
    {
        SpindleRun run = await SpindleRun.RunAsync("stats", "--store", "postgres://admin:s3cret@db/spindle");
        Assert.NotEqual(0, run.ExitCode);
        Assert.NotEqual("", run.Errors);
        Assert.DoesNotContain("s3cret", run.Errors, StringComparison.Ordinal);
        Assert.Equal("boom sqlite:...", QueueCommands.Redact("boom sqlite:/secret/path.db", "sqlite:/secret/path.db"));
    }

    [Fact]
    public async Task Worker_runs_enqueued_jobs_until_stopped()
    {
        long[] ids = [await EnqueueAsync("bench.noop", "1"), await EnqueueAsync("bench.noop", "2"), await EnqueueAsync("tour.square", "9")];
        using var stop = new CancellationTokenSource();
        Task<SpindleRun> worker = SpindleRun.RunAsync(stop.Token, "worker", "--concurrency", "2", "--store", Store);

        await using (JobQueue queue = await JobQueue.OpenAsync(Store))
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                QueueStats? stats = (await queue.StatsAsync(bound.Token)).SingleOrDefault(s => s.Queue == "default");
                if (stats?.Succeeded == ids.Length)
                {
                    break;
                }

                Assert.False(worker.IsCompleted, $"the worker ended early: {(worker.IsCompleted ? (await worker).Errors : "")}");
                await Task.Delay(50, bound.Token);
            }
        }

        await stop.CancelAsync();
        SpindleRun run = await worker;
        Assert.True(run.ExitCode == 0, run.Errors);

        // The start line a script (or the benchmark) waits for, written straight to the console's writer.
        Assert.Matches(@"^Worker \S+ serving default x2; Ctrl\+C stops it\.\r?$", run.Output.Split('\n')[0]);
        Assert.Contains("Worker stopped.", run.Output, StringComparison.Ordinal);

        SpindleRun job = await Spindle("job", ids[2].ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        using JsonDocument detail = JsonDocument.Parse(job.Json);
        Assert.Equal("Succeeded", detail.RootElement.GetProperty("state").GetString());
        Assert.Equal(81, detail.RootElement.GetProperty("result").GetInt64());
    }
}
