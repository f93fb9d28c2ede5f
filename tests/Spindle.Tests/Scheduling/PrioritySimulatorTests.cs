using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

public sealed class PrioritySimulatorTests
{
    // The tutorial's table: processes 1, 2, 3 with burst times 10, 5, 8 and priorities 2, 0, 1, all arriving at 0.
    private static readonly SimulatedJob[] Tutorial = [new("1", 10, 2), new("2", 5, 0), new("3", 8, 1)];

    [Fact]
    public void The_tutorial_table_runs_1_3_2_with_boundaries_0_10_18_23()
    {
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run(Tutorial);

        Assert.Equal(["1", "3", "2"], runs.Select(r => r.Job.Name));
        Assert.Equal([0.0, 10, 18], runs.Select(r => r.Start));
        Assert.Equal([10.0, 18, 23], runs.Select(r => r.Finish));
        Assert.Equal([0.0, 10, 18], runs.Select(r => r.Wait));
        Assert.Equal([10.0, 18, 23], runs.Select(r => r.Turnaround));
    }

    [Fact]
    public void Equal_priorities_run_first_come_first_served_then_in_table_order()
    {
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run([new("late", 1, 5, Arrival: 1), new("a", 2, 5), new("b", 2, 5)]);

        Assert.Equal(["a", "b", "late"], runs.Select(r => r.Job.Name));
    }

    [Fact]
    public void It_is_non_preemptive_and_idles_until_the_next_arrival()
    {
        // "urgent" arrives while "long" runs: it waits for the end of it rather than preempting it.
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run([new("long", 10, 0), new("urgent", 1, 9, Arrival: 2), new("later", 1, 0, Arrival: 20)]);

        Assert.Equal([("long", 0.0, 10.0), ("urgent", 10, 11), ("later", 20, 21)], runs.Select(r => (r.Job.Name, r.Start, r.Finish)));
        Assert.Equal(8, runs[1].Wait);
        Assert.Equal(0, runs[2].Wait);
    }

    [Fact]
    public void Without_aging_a_stream_of_urgent_jobs_starves_the_low_priority_one_to_the_end()
    {
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run(Starvation(), agingRate: 0);

        Assert.Equal("low", runs[^1].Job.Name);
        Assert.Equal(40, runs[^1].Start);
        Assert.Equal(40, runs[^1].Wait);
        Assert.All(runs.SkipLast(1), r => Assert.Equal(0, r.Wait));
    }

    [Fact]
    public void With_aging_the_low_priority_job_overtakes_the_jobs_arriving_after_it_has_aged_past_them()
    {
        // Rate 1: the low job (rank 0) ties an urgent job arriving at t=10 (rank 10 - 10) and wins the tie
        // by arriving first; every urgent job that arrived before t=10 went ahead of it.
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run(Starvation(), agingRate: 1);

        SimulatedRun low = Assert.Single(runs, r => r.Job.Name == "low");
        Assert.Equal(10, low.Start);
        Assert.Equal(10, low.Wait);
        Assert.Equal(["u0", "u1", "u2", "u3", "u4", "low", "u5"], runs.Take(7).Select(r => r.Job.Name));
        Assert.Equal(42, runs[^1].Finish);
    }

    [Fact]
    public void A_higher_aging_rate_ends_the_wait_sooner()
    {
        double Wait(double rate) => PrioritySimulator.Run(Starvation(), rate).Single(r => r.Job.Name == "low").Wait;

        Assert.True(Wait(5) < Wait(1), $"{Wait(5)} vs {Wait(1)}");
        Assert.True(Wait(1) < Wait(0.5), $"{Wait(1)} vs {Wait(0.5)}");
        Assert.True(Wait(0.5) < Wait(0), $"{Wait(0.5)} vs {Wait(0)}");
    }

    [Theory]
    [InlineData(-1.0, 0.0, 0.0, "Burst")]
    [InlineData(1.0, -0.5, 0.0, "Arrival")]
    [InlineData(double.NaN, 0.0, 0.0, "Burst")]
    [InlineData(1.0, 0.0, -1.0, "agingRate")]
    public void Bad_input_is_refused_with_a_message_naming_it(double burst, double arrival, double rate, string named)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PrioritySimulator.Run([new("x", burst, 0, arrival)], rate));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A low-priority job at t=0, and urgent jobs of burst 2 arriving every 2 time units, u0 at t=0 to u19 at t=38.</summary>
    private static IEnumerable<SimulatedJob> Starvation() =>
        [new("low", 2, 0), .. Enumerable.Range(0, 20).Select(i => new SimulatedJob($"u{i}", 2, 10, Arrival: 2 * i))];
}
