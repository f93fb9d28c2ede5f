namespace Spindle.Processes;

/// <summary>
/// Drains a worker's standard error, forwards each line, and keeps the last lines: when the worker dies,
/// they tell why ("Stack overflow.", the message of <c>Environment.FailFast</c>).
/// </summary>
internal sealed class StderrTail(int workerId, int processId, Action<WorkerOutputLine> forward)
{
    private const int KeptLines = 40;

    // Written by the drain task; read by whoever diagnoses the worker's death after the drain ended.
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    internal IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    internal async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_gate)
                {
                    if (_lines.Count == KeptLines)
                    {
                        _lines.Dequeue();
                    }

                    _lines.Enqueue(line);
                }

                try
                {
                    forward(new WorkerOutputLine(workerId, processId, line));
                }
                catch (Exception e)
                {
                    // The drain must go on whatever the callback does: a worker whose standard error is not
                    // read blocks when the pipe fills.
                    Console.Error.WriteLine($"ProcessPoolOptions.OnWorkerOutput threw {e.GetType().Name}: {e.Message}");
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process; what arrived is kept.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
