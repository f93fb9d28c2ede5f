using System.Collections.Concurrent;
using Spindle.Processes;
using Spindle.TestWorker;
using Spindle.Tests.Tasks.Commands;

namespace Spindle.Tests.Processes;

/// <summary>Starts pools on the test worker program (tests/Workers/Spindle.TestWorker), whose catalog the tests share.</summary>
internal static class Workers
{
    internal static readonly TestTasks Tasks = TestTasks.Create();

    /// <summary>The test worker's executable, copied next to the tests.</summary>
    internal static string Program => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Spindle.TestWorker.exe" : "Spindle.TestWorker");

    internal static ProcessPoolOptions Options(int workers = 2, ConcurrentQueue<string>? output = null) => new()
    {
        WorkerCount = workers,
        WorkerProgram = Program,
        OnWorkerOutput = line => output?.Enqueue(line.Line),
        ShutdownGracePeriod = TimeSpan.FromSeconds(10),
    };

    internal static Task<ProcessPool> StartAsync(ProcessPoolOptions? options = null) =>
        ProcessPool.StartAsync(Tasks.Catalog, options ?? Options());

    /// <summary>Waits until process <paramref name="pid"/> is gone (or a zombie nobody reaped), up to a bound:
    /// a worker is not the test's child, so there is no exit event to await.</summary>
    internal static async Task<bool> ExitsWithinAsync(int pid, TimeSpan bound)
    {
        using var patience = new CancellationTokenSource(bound);
        while (ProcessProbe.IsRunning(pid))
        {
            if (patience.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
