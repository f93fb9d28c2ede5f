namespace Spindle.Cli;

/// <summary>The last few non-blank lines a child process wrote (its stderr), for an error message that says why it failed. Thread-safe.</summary>
internal sealed class LastLines(int keep = 5)
{
    // Guarded by itself: lines arrive on the process's output thread, the message is read on another.
    private readonly Queue<string> _lines = new();

    internal void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > keep)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The lines joined with " | ", or "(nothing on stderr)".</summary>
    public override string ToString()
    {
        lock (_lines)
        {
            return _lines.Count == 0 ? "(nothing on stderr)" : string.Join(" | ", _lines);
        }
    }
}
