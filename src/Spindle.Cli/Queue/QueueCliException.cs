namespace Spindle.Cli.Queue;

/// <summary>The exit codes of the queue commands, documented in docs/queue.md: a script can rely on them.</summary>
internal static class ExitCodes
{
    internal const int Ok = 0;
    internal const int Error = 1;
    internal const int Usage = 2;
    internal const int NotFound = 3;
    internal const int Refused = 4;
}

/// <summary>A queue command's failure with the exit code it ends with and a message for stderr.</summary>
internal sealed class QueueCliException(int exitCode, string message) : Exception(message)
{
    internal int ExitCode { get; } = exitCode;
}
