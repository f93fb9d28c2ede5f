using System.Text.Json;
using Spindle.Cli.Queue;

namespace Spindle.Cli.Tests.Queue;

/// <summary><c>spindle schedule</c> and the worker's per-queue concurrency, on real SQLite files.</summary>
public sealed class ScheduleCommandsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-qsched-").FullName;

    private string Store => $"sqlite:{Path.Combine(_folder, "queue.db")}";

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<SpindleRun> Spindle(params string[] args) => SpindleRun.RunAsync([.. args, "--store", Store]);

    [Fact]
    public async Task Schedule_set_list_and_remove()
    {
        SpindleRun set = await Spindle("schedule", "set", "reports.nightly", "30 2 * * *", "bench.noop", "--args", "7", "--zone", "Europe/Berlin", "--queue", "reports", "--json");
        Assert.True(set.ExitCode == 0, set.Errors);
        using (JsonDocument stored = JsonDocument.Parse(set.Json))
        {
            Assert.Equal("Europe/Berlin", stored.RootElement.GetProperty("timeZone").GetString());
            Assert.Equal(7, stored.RootElement.GetProperty("arguments").GetInt32());
            Assert.Equal("reports", stored.RootElement.GetProperty("queue").GetString());
            DateTimeOffset next = stored.RootElement.GetProperty("nextRunAt").GetDateTimeOffset();
            Assert.Equal(new TimeSpan(2, 30, 0), TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).TimeOfDay);
        }

        SpindleRun table = await Spindle("schedule", "list");
        Assert.Contains("reports.nightly", table.Output, StringComparison.Ordinal);
        Assert.Contains("1 schedule(s)", table.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await Spindle("schedule", "remove", "reports.nightly")).ExitCode);
        SpindleRun again = await Spindle("schedule", "remove", "reports.nightly");
        Assert.Equal(ExitCodes.NotFound, again.ExitCode);
        Assert.Contains("No schedule reports.nightly", again.Errors, StringComparison.Ordinal);
        Assert.Empty((await Spindle("schedule", "list", "--json")).Json.Trim());
    }

    [Theory]
    [InlineData("61 * * * *", "", "invalid cron expression '61 * * * *'")]
    [InlineData("* * * * *", "Mars/Olympus", "--zone 'Mars/Olympus' is not a time zone")]
    public async Task Schedule_set_refuses_a_bad_cron_or_zone_with_exit_code_4(string cron, string zone, string message)
    {
        string[] args = zone.Length == 0 ? ["schedule", "set", "s", cron, "bench.noop"] : ["schedule", "set", "s", cron, "bench.noop", "--zone", zone];
        SpindleRun run = await Spindle(args);
        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains(message, run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Queues_take_their_own_concurrency_after_a_colon()
    {
        Assert.Equal(new Dictionary<string, int> { ["emails"] = 20, ["reports"] = 2, ["default"] = 7 }, QueueCliText.ParseQueues("emails:20, reports:2,default", 7));
        Assert.Contains("whole number", Assert.Throws<QueueCliException>(() => QueueCliText.ParseQueues("emails:x", 1)).Message, StringComparison.Ordinal);
        Assert.Contains("names 'a' twice", Assert.Throws<QueueCliException>(() => QueueCliText.ParseQueues("a:1,a:2", 1)).Message, StringComparison.Ordinal);
        Assert.Contains("names no queue", Assert.Throws<QueueCliException>(() => QueueCliText.ParseQueues(" , ", 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_with_a_concurrency_out_of_range_is_refused_before_it_starts()
    {
        SpindleRun run = await Spindle("worker", "--queues", "emails:0");
        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains("concurrency of queue 'emails' must be between 1 and 10,000", run.Errors, StringComparison.Ordinal);
    }
}
