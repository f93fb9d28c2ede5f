using System.Diagnostics;

namespace Spindle.Cli.Tour.Threads;

/// <summary>A few named background threads running one body, joined against a shared deadline.</summary>
internal sealed class Crew
{
    // Every wait in the chapter is bounded by this, so a demo that goes wrong reports it instead of hanging.
    internal static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(1);

    private readonly Thread[] _threads;

    // Each thread writes only its own slot, and only from its catch; read after the join.
    private readonly Exception?[] _failures;

    private bool _joined;

    private Crew(int count, string name, Action<int> body)
    {
        _failures = new Exception?[count];
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            _threads[i] = new Thread(() =>
            {
                // An exception escaping a raw thread ends the process; carry it back to the demo instead.
                try
                {
                    body(index);
                }
                catch (Exception ex)
                {
                    _failures[index] = ex;
                }
            })
            {
                Name = $"{name}-{i}",
                IsBackground = true, // a stuck demo thread must not keep the CLI alive
            };
        }
    }

    /// <summary>Empty when every thread finished cleanly, else a clause saying what went wrong.</summary>
    internal string Trouble =>
        !_joined ? " (not every thread finished within the time limit)"
        : _failures.FirstOrDefault(f => f is not null) is { } failure ? $" (a thread failed: {failure.Message})"
        : "";

    internal static Crew Start(int count, string name, Action<int> body)
    {
        var crew = new Crew(count, name, body);
        foreach (Thread thread in crew._threads)
        {
            thread.Start();
        }

        return crew;
    }

    internal static Crew Run(int count, string name, Action<int> body)
    {
        Crew crew = Start(count, name, body);
        crew.Join();
        return crew;
    }

    internal void Join()
    {
        long started = Stopwatch.GetTimestamp();
        _joined = true;
        foreach (Thread thread in _threads)
        {
            TimeSpan left = WaitLimit - Stopwatch.GetElapsedTime(started);
            _joined &= left > TimeSpan.Zero && thread.Join(left);
        }
    }
}
