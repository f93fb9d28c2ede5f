using System.Collections.Concurrent;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

/// <summary>A handler's progress reports cross the process boundary to the caller's <see cref="IProgress{T}"/>.</summary>
public sealed class ProcessPoolProgressTests
{
    [Fact]
    public async Task ReportsArrive_InOrder_BeforeTheResult()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        var reports = new Reports();
        Assert.Equal(4, await await pool.SubmitAsync(Workers.Tasks.Progress, 4, progress: reports));
        Assert.Equal([0.25, 0.5, 0.75, 1.0], reports.All.Select(r => r.Fraction));
        Assert.Equal(["step 1", "step 2", "step 3", "step 4"], reports.All.Select(r => r.Message));
    }

    [Fact]
    public async Task AFlood_IsThinned_ButTheEndAlwaysArrives()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        var reports = new Reports();
        Assert.Equal(200_000, await await pool.SubmitAsync(Workers.Tasks.Flood, 200_000, progress: reports));
        Assert.InRange(reports.All.Count, 1, 2_000);
        Assert.Equal(1.0, reports.All[^1].Fraction);
    }

    [Fact]
    public async Task WithoutAListener_ReportsStayInTheWorker()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        Assert.Equal(3, await await pool.SubmitAsync(Workers.Tasks.Progress, 3));
    }

    private sealed class Reports : IProgress<TaskProgress>
    {
        private readonly ConcurrentQueue<TaskProgress> _reports = new();

        internal IReadOnlyList<TaskProgress> All => [.. _reports];

        public void Report(TaskProgress value) => _reports.Enqueue(value);
    }
}
