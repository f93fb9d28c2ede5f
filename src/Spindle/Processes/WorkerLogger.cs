using Microsoft.Extensions.Logging;

namespace Spindle.Processes;

/// <summary>A handler's logger inside a worker process: one line per entry on standard error, which the pool
/// reads and forwards (see <see cref="ProcessPoolOptions.OnWorkerOutput"/>).</summary>
internal sealed class WorkerLogger(string kind) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string line = $"[{kind}] {logLevel}: {formatter(state, exception)}";
        Console.Error.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
    }
}
