using System.Collections.Concurrent;
using Spindle.Processes;
using Spindle.TestWorker;

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

    /// <summary>Waits until process <paramref name="pid"/> is gone (or a zombie nobody reaped), up to a bound.</summary>
    internal static async Task<bool> ExitsWithinAsync(int pid, TimeSpan bound)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(bound.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < deadline)
        {
            if (!IsAlive(pid))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return !IsAlive(pid);
    }

    internal static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try
        {
            string text = File.ReadAllText(stat);
            char state = text[text.LastIndexOf(')') + 2];
            return state is not 'Z' and not 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
