using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Sqlite;

/// <summary>Several processes on one SQLite file (tests/Workers/Spindle.QueueTestWorker), as worker processes will be.</summary>
public sealed class SqliteMultiProcessTests : IDisposable
{
    private readonly TempDatabase _database = new();

    private static string Program => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Spindle.QueueTestWorker.exe" : "Spindle.QueueTestWorker");

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Four_processes_writing_one_file_at_once_never_see_database_is_locked_and_lose_nothing()
    {
        const int Processes = 4, Rounds = 150, PerRound = 5;
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        await (await SqliteJobStore.OpenAsync(new SqliteStoreSettings(_database.Path, TimeSpan.FromSeconds(30), null, time.GetUtcNow()), CancellationToken.None)).DisposeAsync();

        var workers = Enumerable.Range(0, Processes).Select(i => Start($"q{i}", Rounds, PerRound)).ToList();
        try
        {
            // Every process has opened its store; release them together so their writes overlap.
            foreach (Process worker in workers)
            {
                Assert.Equal("ready", await worker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            }

            foreach (Process worker in workers)
            {
                await worker.StandardInput.WriteLineAsync("go");
                await worker.StandardInput.FlushAsync();
            }

            foreach (Process worker in workers)
            {
                string errors = await worker.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(3));
                string output = await worker.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(3));
                await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
                Assert.Equal("", errors);
                Assert.Equal($"done {Rounds * PerRound}", output.Trim());
                Assert.Equal(0, worker.ExitCode);
            }
        }
        finally
        {
            foreach (Process worker in workers)
            {
                if (!worker.HasExited)
                {
                    worker.Kill();
                }

                worker.Dispose();
            }
        }

        await using SqliteJobStore store = await SqliteJobStore.OpenAsync(new SqliteStoreSettings(_database.Path, TimeSpan.FromSeconds(30), null, time.GetUtcNow()), CancellationToken.None);
        IReadOnlyList<QueueStats> stats = await store.QueueStats(new QueueStatsParams(), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, Processes).Select(i => $"q{i}"), stats.Select(s => s.Queue));
        Assert.All(stats, s => Assert.Equal(((long)Rounds * PerRound, (long)Rounds * PerRound), (s.Total, s.Succeeded)));
    }

    private Process Start(string queue, int rounds, int perRound)
    {
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "hammer", _database.Path, queue, $"{rounds}", $"{perRound}" })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Program}.");
    }
}
