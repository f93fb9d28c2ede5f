namespace Spindle.Scheduling;

/// <summary>One row of a scheduling table for <see cref="PrioritySimulator"/>: a job, how long it runs, how urgent it is, when it arrives.</summary>
/// <param name="Name">The job's name in reports (the tutorial's process number).</param>
/// <param name="Burst">How long the job runs once started, in time units; 0 or more.</param>
/// <param name="Priority">Higher runs first, as on a <see cref="Pools.WorkerPool"/>.</param>
/// <param name="Arrival">When the job becomes ready, in time units; 0 or more.</param>
public readonly record struct SimulatedJob(string Name, double Burst, int Priority, double Arrival = 0);
