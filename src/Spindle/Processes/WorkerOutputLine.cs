namespace Spindle.Processes;

/// <summary>A line a worker process wrote to standard error (or to standard output, which a worker points there).</summary>
public readonly struct WorkerOutputLine
{
    internal WorkerOutputLine(int workerId, int processId, string line)
    {
        WorkerId = workerId;
        ProcessId = processId;
        Line = line;
    }

    /// <summary>The pool's number for the worker, from 1; a replacement gets a new number.</summary>
    public int WorkerId { get; }

    /// <summary>The worker's operating-system process id.</summary>
    public int ProcessId { get; }

    /// <summary>The line, without its end-of-line characters.</summary>
    public string Line { get; }
}
