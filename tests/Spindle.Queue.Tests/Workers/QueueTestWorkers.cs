using System.Diagnostics;
using System.Globalization;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// Real worker processes of a queue test worker program (tests/Workers/Spindle.QueueTestWorker, or its PostgreSQL
/// twin) in <c>work</c> mode, each appending "job attempt worker" to its own ledger file; killed if still running
/// when disposed. Compiled into the PostgreSQL tests too.
/// </summary>
/// <param name="program">The worker program's file name next to the tests.</param>
/// <param name="store">A SQLite file's path, or a connection string (<c>postgres://...</c>), which goes to the worker in
/// <c>SPINDLE_STORE</c> rather than on its command line, where it would show its password.</param>
/// <param name="ledger">The ledger files' common path; each worker appends <c>.{id}</c>.</param>
internal sealed class QueueTestWorkers(string program, string store, string ledger) : IDisposable
{
    private readonly List<Process> _workers = [];

    /// <summary>Workers of Spindle.QueueTestWorker on a SQLite file.</summary>
    internal QueueTestWorkers(string database, string ledger) : this("Spindle.QueueTestWorker", database, ledger)
    {
    }

    private string Program => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? program + ".exe" : program);

    /// <summary>Starts one and waits until its worker runs; <paramref name="prefix"/> runs it through another program (such as <c>ip netns exec ns</c>).</summary>
    internal async Task<Process> StartAsync(string id, TimeSpan lease, int concurrency, string[]? prefix = null)
    {
        string[] command = [.. prefix ?? [], Program, "work", store.Contains("://", StringComparison.Ordinal) ? "env" : store, id, ledger,
            $"{(int)lease.TotalMilliseconds}", concurrency.ToString(CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        if (store.Contains("://", StringComparison.Ordinal))
        {
            start.Environment["SPINDLE_STORE"] = store;
        }

        Process worker = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        _workers.Add(worker);
        string? ready = await worker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(ready == "ready", $"Worker {id} did not start: {(ready is null ? await worker.StandardError.ReadToEndAsync() : ready)}");
        return worker;
    }

    /// <summary>Asks a worker to stop gracefully and waits for it; returns what it wrote to stderr.</summary>
    internal static async Task<string> StopAsync(Process worker)
    {
        await worker.StandardInput.WriteLineAsync("stop");
        await worker.StandardInput.FlushAsync();
        Task<string> errors = worker.StandardError.ReadToEndAsync();
        await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, worker.ExitCode);
        return await errors.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A worker's ledger lines; a killed worker's last line may be cut short by the kill, and only that one.</summary>
    internal IEnumerable<(long Id, int Attempt, string Worker)> ReadLedger(string worker, bool tornLastLine)
    {
        string[] lines = File.ReadAllText($"{ledger}.{worker}").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ');
            if (parts.Length == 3 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long id) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int attempt) && parts[2] == worker)
            {
                yield return (id, attempt, worker);
            }
            else
            {
                Assert.True(i == lines.Length - 1 && (lines[i].Length == 0 || tornLastLine), $"Ledger line {i + 1} of {worker} is malformed: '{lines[i]}'.");
            }
        }
    }

    internal bool HasLedger(string worker) => File.Exists($"{ledger}.{worker}");

    public void Dispose()
    {
        foreach (Process worker in _workers)
        {
            if (!worker.HasExited)
            {
                // With a prefix (ip netns exec), the prefix's process is the worker's: exec replaces it.
                worker.Kill(entireProcessTree: true);
            }

            worker.Dispose();
        }
    }
}
