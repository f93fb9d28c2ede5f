using Spindle.Processes;

namespace Spindle.Tests.Processes;

public sealed class ProcessPoolRecyclingTests
{
    [Fact]
    public async Task MaxCallsPerWorker_ReplacesTheWorkerAfterThatManyCalls()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { MaxCallsPerWorker = 3 });
        var pids = new List<int>();
        for (int i = 0; i < 9; i++)
        {
            pids.Add(await await pool.SubmitAsync(Workers.Tasks.Pid, i));
        }

        Assert.Equal(3, pids.Distinct().Count());
        Assert.All(pids.Chunk(3), chunk => Assert.Single(chunk.Distinct()));
        Assert.Equal(3, pool.Stats.WorkersRecycled);
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task MaxWorkerMemory_ReplacesAWorkerThatGrewPastIt()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { MaxWorkerMemoryBytes = 200L << 20 });
        int first = await await pool.SubmitAsync(Workers.Tasks.Pid, 0);
        long workingSet = await await pool.SubmitAsync(Workers.Tasks.Allocate, 300);
        Assert.True(workingSet > 200L << 20, $"the worker held only {workingSet:N0} bytes");

        int second = await await pool.SubmitAsync(Workers.Tasks.Pid, 0);
        Assert.NotEqual(first, second);
        Assert.True(await Workers.ExitsWithinAsync(first, TimeSpan.FromSeconds(10)));
        Assert.Equal(1, pool.Stats.WorkersRecycled);
    }
}
