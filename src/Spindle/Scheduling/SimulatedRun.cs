namespace Spindle.Scheduling;

/// <summary>When <see cref="PrioritySimulator"/> ran a job, in virtual time units.</summary>
/// <param name="Job">The job, as given.</param>
/// <param name="Start">When it started.</param>
/// <param name="Finish">When it finished: <see cref="Start"/> plus its burst.</param>
public readonly record struct SimulatedRun(SimulatedJob Job, double Start, double Finish)
{
    /// <summary>How long the job waited between arriving and starting.</summary>
    public double Wait => Start - Job.Arrival;

    /// <summary>How long from arrival to finish (wait plus burst).</summary>
    public double Turnaround => Finish - Job.Arrival;
}
