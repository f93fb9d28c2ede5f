using System.Diagnostics;
using Spindle.Processes;
using Spindle.Tasks;
using Spindle.Tests.Tasks.Commands;

namespace Spindle.Tests.Processes;

public sealed class ProcessPoolShutdownTests
{
    [Fact]
    public async Task Dispose_RunsQueuedCalls_ThenTheWorkersExit()
    {
        ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        int[] pids = [.. pool.Workers.Select(w => w.ProcessId)];
        var calls = new List<Task<int>>();
        for (int i = 0; i < 5; i++)
        {
            calls.Add(await pool.SubmitAsync(Workers.Tasks.Sleep, 20));
        }

        await pool.DisposeAsync();
        Assert.All(calls, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.All(pids, pid => Assert.False(ProcessProbe.IsRunning(pid)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.SubmitAsync(Workers.Tasks.Echo, 1L));
    }

    [Fact]
    public async Task Dispose_WithCancelPending_CancelsWhatHasNotStarted()
    {
        ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { CancelPendingOnDispose = true });
        Task<int> running = await pool.SubmitAsync(Workers.Tasks.Sleep, 200);
        var queued = new List<Task<long>>();
        for (int i = 0; i < 100; i++)
        {
            queued.Add(await pool.SubmitAsync(Workers.Tasks.Echo, i, priority: -1));
        }

        await pool.DisposeAsync();
        Assert.Equal(200, await running);
        Assert.Contains(queued, q => q.IsCanceled);
    }

    [Fact]
    public async Task Dispose_AfterTheGracePeriod_KillsWhatStillRuns()
    {
        ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { ShutdownGracePeriod = TimeSpan.FromMilliseconds(200) });
        int pid = pool.Workers.Single().ProcessId;
        Task<int> endless = await pool.SubmitAsync(Workers.Tasks.Spin, 0);
        var clock = Stopwatch.StartNew();
        await pool.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"shutdown took {clock.Elapsed}");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless);
        Assert.True(endless.IsCanceled);
        Assert.True(await Workers.ExitsWithinAsync(pid, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task KilledParent_LeavesNoOrphans()
    {
        var start = new ProcessStartInfo(Workers.Program, ["orphan-parent"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process parent = Process.Start(start)!;
        string? line = await parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(line);
        Assert.StartsWith("workers ", line);
        int[] workers = [.. line["workers ".Length..].Split(' ').Select(int.Parse)];
        Assert.Equal(2, workers.Length);
        Assert.All(workers, pid => Assert.True(ProcessProbe.IsRunning(pid)));

        parent.Kill(); // SIGKILL: no chance to clean up

        foreach (int pid in workers)
        {
            Assert.True(await Workers.ExitsWithinAsync(pid, TimeSpan.FromSeconds(10)), $"worker {pid} outlived its killed parent");
        }
    }
}
