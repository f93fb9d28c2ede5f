using System.Diagnostics;
using Spindle.Cli.Bench;

namespace Spindle.Cli.Tests.Bench;

public sealed class StopwatchesTests
{
    [Fact]
    public async Task Warm_up_lasts_at_least_the_runs_and_the_time_asked_then_the_measured_runs_follow()
    {
        var starts = new List<long>();

        IReadOnlyList<double> times = await Stopwatches.TimeAsync(
            () =>
            {
                starts.Add(Stopwatch.GetTimestamp());
                return ValueTask.CompletedTask;
            },
            warmups: 2,
            runs: 3,
            warmupTime: TimeSpan.FromMilliseconds(50));

        Assert.Equal(3, times.Count);
        int warmups = starts.Count - times.Count;
        Assert.True(warmups > 2, $"{warmups} warm-up runs: a no-op repeated for 50 ms runs far more than twice");
        Assert.True(Stopwatch.GetElapsedTime(starts[0], starts[warmups]) >= TimeSpan.FromMilliseconds(50), "the first measured run started before the warm-up time was up");
    }

    [Fact]
    public async Task Without_a_warm_up_time_the_warm_up_is_exactly_the_runs_asked()
    {
        int calls = 0;

        IReadOnlyList<double> times = await Stopwatches.TimeAsync(
            () =>
            {
                calls++;
                return ValueTask.CompletedTask;
            },
            warmups: 4,
            runs: 2);

        Assert.Equal(2, times.Count);
        Assert.Equal(6, calls);
    }
}
