using Microsoft.Extensions.Logging;

namespace Spindle.Queue;

/// <summary>Every message the hosted worker logs beyond the <see cref="QueueWorker"/>'s own.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(101, LogLevel.Information, "Host is stopping: queue worker {WorkerId} claims no more jobs; running jobs get {Grace} to finish.")]
    internal static partial void Stopping(ILogger logger, string workerId, TimeSpan grace);
}
