using System.Diagnostics;
using System.Globalization;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// Real worker processes of tests/Workers/Spindle.QueueTestWorker in <c>work</c> mode on one SQLite file, each
/// appending "job attempt worker" to its own ledger file; killed if still running when disposed.
/// </summary>
internal sealed class QueueTestWorkers(string database, string ledger) : IDisposable
{
    private readonly List<Process> _workers = [];

    private static string Program => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Spindle.QueueTestWorker.exe" : "Spindle.QueueTestWorker");

    /// <summary>Starts one and waits until its worker runs.</summary>
    internal async Task<Process> StartAsync(string id, TimeSpan lease, int concurrency)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "work", database, id, ledger, $"{(int)lease.TotalMilliseconds}", concurrency.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        Process worker = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Program}.");
        _workers.Add(worker);
        Assert.Equal("ready", await worker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
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
                worker.Kill();
            }

            worker.Dispose();
        }
    }
}
