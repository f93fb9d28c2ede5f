using System.Diagnostics;
using System.Text.Json;

namespace Spindle.Cli.Tests.Bench;

public sealed class QueueBenchmarkTests
{
    private const int Jobs = 200;

    [Fact]
    public async Task Json_prints_one_record_per_mode_with_every_job_succeeded_and_no_worker_left_behind()
    {
        SpindleRun run = await SpindleRun.RunAsync("bench", "queue", "--jobs", $"{Jobs}", "--workers", "1", "--concurrency", "4", "--json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        Assert.DoesNotContain("end to end", run.Output, StringComparison.Ordinal);
        List<JsonElement> records = [.. run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        Assert.Equal(["prefill", "live"], records.Select(r => r.GetProperty("mode").GetString()));
        foreach (JsonElement record in records)
        {
            Assert.Equal("queue", record.GetProperty("benchmark").GetString());
            Assert.Equal("sqlite", record.GetProperty("store").GetString());
            Assert.Equal(Jobs, record.GetProperty("jobs").GetInt32());
            Assert.Equal(1, record.GetProperty("workers").GetInt32());
            Assert.Equal(4, record.GetProperty("concurrency").GetInt32());
            Assert.Equal(Jobs, record.GetProperty("succeeded").GetInt32());

            // The test host runs the tool's IL as built, not a ReadyToRun publish: the record says so.
            Assert.Equal("jit", record.GetProperty("build").GetString());
            foreach (string field in (string[])["enqueue_per_s", "jobs_per_s", "per_s", "median_ms", "peak_rss_mb"])
            {
                Assert.True(record.GetProperty(field).GetDouble() > 0, $"{field}: {record}");
            }
        }

        // The workers were stopped (SIGINT, else killed) before the command returned.
        int self = Environment.ProcessId;
        Assert.DoesNotContain(Process.GetProcesses(), p => p.Id != self && IsBenchWorker(p.Id));
    }

    private static bool IsBenchWorker(int pid)
    {
        try
        {
            string commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains("worker --store sqlite:", StringComparison.Ordinal) && commandLine.Contains("spindle-bench-queue-", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
