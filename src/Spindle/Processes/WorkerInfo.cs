namespace Spindle.Processes;

/// <summary>A snapshot of one worker process of a pool.</summary>
/// <param name="Id">The pool's number for the worker, from 1; a replacement gets a new number.</param>
/// <param name="ProcessId">The operating-system process id.</param>
/// <param name="State">Where the worker is in its life.</param>
/// <param name="CallsCompleted">Calls (a map chunk counts as one) the worker has answered.</param>
/// <param name="CallsInFlight">Calls sent to the worker and not yet answered.</param>
public readonly record struct WorkerInfo(int Id, int ProcessId, WorkerState State, long CallsCompleted, int CallsInFlight);
