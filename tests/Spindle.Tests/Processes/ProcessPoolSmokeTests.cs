using Spindle.Processes;

namespace Spindle.Tests.Processes;

public sealed class ProcessPoolSmokeTests
{
    [Fact]
    public async Task Submit_RunsInAWorkerProcess()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        int pid = await await pool.SubmitAsync(Workers.Tasks.Pid, 0);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains(pid, pool.Workers.Select(w => w.ProcessId));
        Assert.Equal(49L, await await pool.SubmitAsync(Workers.Tasks.Square, 7L));
    }

    [Fact]
    public async Task Map_ReturnsResultsInOrder()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        long[] squares = await pool.MapAsync(Workers.Tasks.Square, Enumerable.Range(0, 10_000).Select(i => (long)i).ToList()).ToArrayAsync();
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i * i), squares);
    }
}
