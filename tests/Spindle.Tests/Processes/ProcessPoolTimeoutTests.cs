using Microsoft.Extensions.Time.Testing;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

/// <summary>A call past its timeout kills its worker; the clock is fake, so the test decides when time passes.</summary>
public sealed class ProcessPoolTimeoutTests
{
    [Fact]
    public async Task EndlessLoop_PastItsTimeout_KillsAndReplacesTheWorker()
    {
        var time = new FakeTimeProvider();
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { CallTimeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        int before = pool.Workers.Single().ProcessId;
        Task<int> spinning = await pool.SubmitAsync(Workers.Tasks.Spin, 0);
        Task<long> behind = await pool.SubmitAsync(Workers.Tasks.Echo, 42L);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(spinning.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TaskTimeoutException>(() => spinning);
        Assert.Equal(TaskFailureKind.Timeout, error.Failure.Kind);
        Assert.Contains("5,000 ms timeout", error.Message);
        Assert.True(await Workers.ExitsWithinAsync(before, TimeSpan.FromSeconds(10)), $"the killed worker {before} is still running");

        // The call queued behind the endless one never started: it runs on the replacement.
        Assert.Equal(42L, await behind);
        Assert.NotEqual(before, pool.Workers.Single().ProcessId);
        Assert.Equal(1, pool.Stats.TimedOut);
    }

    [Fact]
    public async Task CallsWithinTheirTimeout_AreUntouched()
    {
        var time = new FakeTimeProvider();
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { CallTimeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i, await await pool.SubmitAsync(Workers.Tasks.Echo, (long)i));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, pool.Stats.TimedOut);
        Assert.Equal(1, pool.Stats.WorkersStarted);
    }

    [Fact]
    public async Task EndlessItemInAMap_TimesOutAlone()
    {
        var time = new FakeTimeProvider();
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { CallTimeout = TimeSpan.FromSeconds(1), TimeProvider = time });
        var run = pool.MapAsync(Workers.Tasks.Spin, [1, 2, 3], new Spindle.Pools.MapOptions { ChunkSize = 3 }).ToArrayAsync().AsTask();

        // The chunk of three gets three seconds; then each item is rerun alone with one second each.
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(run, Task.Delay(20));
        }

        await Assert.ThrowsAsync<TaskTimeoutException>(() => run);
    }
}
