namespace Spindle.Processes;

/// <summary>Counters of a process pool since it started.</summary>
/// <param name="Completed">Calls that returned a value or a handler's exception.</param>
/// <param name="Crashed">Calls failed because their worker died (after any retries).</param>
/// <param name="TimedOut">Calls stopped at their deadline.</param>
/// <param name="WorkersStarted">Worker processes started, the first ones and every replacement.</param>
/// <param name="WorkersLost">Worker processes that died unasked (crash, signal, timeout kill, garbage on the pipe).</param>
/// <param name="WorkersRecycled">Worker processes retired after their call or memory limit.</param>
public readonly record struct ProcessPoolStats(long Completed, long Crashed, long TimedOut, long WorkersStarted, long WorkersLost, long WorkersRecycled);
