using Spindle.Queue;

namespace Spindle.Cli.Tests.Queue;

/// <summary><c>spindle worker --lease</c> and <c>--rescue-interval</c> (added for the tour's queue chapter, issue 5).</summary>
public sealed class WorkerLeaseOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-qlease-").FullName;

    private string Store => $"sqlite:{Path.Combine(_folder, "queue.db")}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The system cleans its temp folder.
        }
    }

    [Theory]
    [InlineData("--lease", "soon", "--lease 'soon' is not a duration")]
    [InlineData("--lease", "50ms", "QueueWorkerOptions.Lease must be between 100 milliseconds and 1 hour")]
    [InlineData("--rescue-interval", "1ms", "QueueWorkerOptions.RescueInterval must be between 10 milliseconds and 1 hour")]
    public async Task A_lease_or_rescue_interval_out_of_range_is_refused_with_exit_4_naming_it(string option, string value, string message)
    {
        SpindleRun run = await SpindleRun.RunAsync("worker", option, value, "--store", Store);

        Assert.Equal(4, run.ExitCode);
        Assert.Contains(message, run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Worker stopped.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lease_given_is_the_one_a_claimed_job_holds()
    {
        long id;
        await using (JobQueue queue = await JobQueue.OpenAsync(Store))
        {
            id = (await queue.EnqueueAsync("tour.nap", "3000")).Id;
        }

        using var stop = new CancellationTokenSource();
        Task<SpindleRun> worker = SpindleRun.RunAsync(stop.Token, "worker", "--lease", "1500ms", "--store", Store);
        JobInfo running;
        await using (JobQueue queue = await JobQueue.OpenAsync(Store))
        {
            using var bound = new CancellationTokenSource(SpindleRun.Patience);
            while ((running = (await queue.GetAsync(id, bound.Token))!).State != JobState.Running)
            {
                Assert.False(worker.IsCompleted, $"the worker ended early: {(worker.IsCompleted ? (await worker).Errors : "")}");
                await Task.Delay(10, bound.Token);
            }
        }

        await stop.CancelAsync();
        SpindleRun run = await worker;
        Assert.True(run.ExitCode == 0, run.Errors);

        // Claimed with now + 1.5 s; a heartbeat (every 0.5 s) may have renewed it since, from a later now. The
        // default lease would be 30 s.
        TimeSpan held = running.LeaseExpiresAt!.Value - running.AttemptedAt!.Value;
        Assert.InRange(held, TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(10));
    }
}
