using Spindle.Pools;

namespace Spindle.Scheduling;

/// <summary>
/// Replays a table of jobs through the <see cref="WorkerPool"/>'s priority order on virtual time: one
/// worker, non-preemptive, higher priority first, ties first come first served, and optional aging.
/// The tutorial's Gantt charts, and starvation experiments that take microseconds instead of minutes.
/// </summary>
/// <example>
/// <code>
/// var runs = PrioritySimulator.Run([new("1", 10, 2), new("2", 5, 0), new("3", 8, 1)]);
/// // 1: 0–10, 3: 10–18, 2: 18–23
/// </code>
/// </example>
public static class PrioritySimulator
{
    /// <summary>Runs <paramref name="jobs"/> to completion and returns the runs in the order they started.</summary>
    /// <param name="jobs">The table; equal arrivals keep the table's order as their tie-break.</param>
    /// <param name="agingRate">
    /// Priority points a waiting job gains per time unit, as <see cref="WorkerPoolOptions.AgingRate"/> per second;
    /// 0 (the default) is strict priority.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A burst, an arrival or the rate is negative or not finite; the message names it.</exception>
    public static IReadOnlyList<SimulatedRun> Run(IEnumerable<SimulatedJob> jobs, double agingRate = 0)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (!(agingRate >= 0 && double.IsFinite(agingRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(agingRate), agingRate, "PrioritySimulator agingRate must be 0 (strict priority) or a finite positive number of points per time unit.");
        }

        // Sequence numbers follow arrival, then table order: the pool's first-come-first-served tie-break.
        SimulatedJob[] byArrival = [.. jobs.Select(Validated).Index().OrderBy(j => j.Item.Arrival).ThenBy(j => j.Index).Select(j => j.Item)];
        var ready = new PriorityQueue<SimulatedJob, WorkKey>();
        var runs = new List<SimulatedRun>(byArrival.Length);
        double now = 0;
        int next = 0;
        while (runs.Count < byArrival.Length)
        {
            // Everything that has arrived by now competes, with the rank it got when it arrived.
            for (; next < byArrival.Length && byArrival[next].Arrival <= now; next++)
            {
                SimulatedJob job = byArrival[next];
                ready.Enqueue(job, new WorkKey(WorkKey.RankOf(job.Priority, agingRate, job.Arrival), next));
            }

            if (!ready.TryDequeue(out SimulatedJob chosen, out _))
            {
                now = byArrival[next].Arrival; // idle until the next arrival
                continue;
            }

            runs.Add(new SimulatedRun(chosen, now, now + chosen.Burst));
            now += chosen.Burst;
        }

        return runs;
    }

    private static SimulatedJob Validated(SimulatedJob job)
    {
        ArgumentNullException.ThrowIfNull(job.Name, "SimulatedJob.Name");
        if (!(job.Burst >= 0 && double.IsFinite(job.Burst)))
        {
            throw new ArgumentOutOfRangeException(nameof(job), job.Burst, $"SimulatedJob.Burst of job '{job.Name}' must be 0 or more.");
        }

        if (!(job.Arrival >= 0 && double.IsFinite(job.Arrival)))
        {
            throw new ArgumentOutOfRangeException(nameof(job), job.Arrival, $"SimulatedJob.Arrival of job '{job.Name}' must be 0 or more.");
        }

        return job;
    }
}
