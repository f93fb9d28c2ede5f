using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>Turns how a worker process ended (exit code, last lines of standard error) into a failure with a likely reason.</summary>
internal static class CrashDiagnosis
{
    internal static TaskFailure Describe(string kind, int workerId, int processId, int exitCode, IReadOnlyList<string> tail)
    {
        // .NET reports a child killed by signal n as exit code 128 + n, as shells do.
        int? signal = exitCode is > 128 and < 160 ? exitCode - 128 : null;
        string? reason = ReasonOf(signal, tail);
        string ended = signal is { } s ? $"was killed by signal {s} ({SignalName(s)})" : $"exited with code {exitCode}";
        return new TaskFailure
        {
            Kind = TaskFailureKind.Crash,
            TaskKind = kind,
            ErrorType = typeof(WorkerCrashedException).FullName,
            Message = $"Worker {workerId} (process {processId}) {ended} while running task '{kind}'{(reason is null ? "" : $": {reason}")}.",
            ExitCode = signal is null ? exitCode : null,
            Signal = signal,
            Reason = reason,
            StackTrace = tail.Count == 0 ? null : string.Join(Environment.NewLine, tail.TakeLast(12)),
        };
    }

    private static string? ReasonOf(int? signal, IReadOnlyList<string> tail)
    {
        string? overflow = tail.FirstOrDefault(l => l.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase));
        if (overflow is not null)
        {
            return "stack overflow";
        }

        int failFast = FindLast(tail, l => l.StartsWith("Process terminated.", StringComparison.Ordinal));
        if (failFast >= 0)
        {
            // The runtime prints "Process terminated." and the FailFast message, on the same line or the next.
            string message = tail[failFast]["Process terminated.".Length..].Trim();
            if (message.Length == 0 && failFast + 1 < tail.Count && !tail[failFast + 1].TrimStart().StartsWith("at ", StringComparison.Ordinal))
            {
                message = tail[failFast + 1].Trim();
            }

            return message.Length > 0 ? $"Environment.FailFast: {message}" : "Environment.FailFast";
        }

        if (tail.Any(l => l.Contains("OutOfMemoryException", StringComparison.Ordinal)))
        {
            return "out of memory";
        }

        return signal switch
        {
            9 => "killed with SIGKILL: the kernel's out-of-memory killer, or kill -9",
            6 => "aborted (SIGABRT): a fatal runtime error or native abort",
            11 => "segmentation fault in native code",
            15 => "terminated (SIGTERM)",
            _ => tail.Count > 0 ? $"its last output: {tail[^1]}" : null,
        };
    }

    private static int FindLast(IReadOnlyList<string> lines, Func<string, bool> match)
    {
        for (int i = lines.Count - 1; i >= 0; i--)
        {
            if (match(lines[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}
