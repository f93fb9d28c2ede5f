using System.Diagnostics;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// Issue 5: four worker processes (tests/Workers/Spindle.QueueTestWorker, mode <c>work</c>) on one SQLite file under
/// load, while this process enqueues batches and reads stats the whole time: no "database is locked" (or any other
/// store error) reaches a job: every job succeeds on its first attempt, its handler ran once, and the workers
/// report no error.
/// </summary>
public sealed class QueueWorkerLoadTests : IAsyncLifetime
{
    private const int Batches = 40;
    private const int PerBatch = 100;
    private static readonly string[] Names = ["w1", "w2", "w3", "w4"];

    private readonly TempDatabase _database = new();
    private QueueTestWorkers _workers = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _queue = await JobQueue.OpenAsync(_database.ConnectionString);
        _workers = new QueueTestWorkers(_database.Path, Path.Combine(_database.Directory, "ledger.txt"));
    }

    public async Task DisposeAsync()
    {
        _workers.Dispose();
        await _queue.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task Four_worker_processes_on_one_file_under_load_never_let_a_locked_database_reach_a_job_issue5()
    {
        List<Process> workers = [];
        foreach (string name in Names)
        {
            workers.Add(await _workers.StartAsync(name, TimeSpan.FromSeconds(10), concurrency: 8));
        }

        // Enqueue while the workers claim, heartbeat, complete, rescue and prune; read stats between batches.
        var handles = new List<JobHandle>();
        for (int batch = 0; batch < Batches; batch++)
        {
            handles.AddRange(await _queue.EnqueueManyAsync(Enumerable.Range(0, PerBatch).Select(i => new JobRequest("chaos.job", $"{(batch * PerBatch) + i}", new EnqueueOptions { MaxAttempts = 1 }))));
            await _queue.StatsAsync();
        }

        var limit = Stopwatch.StartNew();
        while ((await _queue.StatsAsync()).Single() is { } stats && stats.Succeeded + stats.Dead < handles.Count)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(120), $"Only {stats.Succeeded} of {handles.Count} jobs finished.");
            await Task.Delay(20);
        }

        string[] errors = await Task.WhenAll(workers.Select(QueueTestWorkers.StopAsync));
        Assert.All(errors, e => Assert.Equal("", e));

        var ledger = Names.SelectMany(name => _workers.ReadLedger(name, tornLastLine: false)).ToList();
        var dead = (await _queue.ListAsync(new JobListQuery { State = JobState.Dead, Limit = 10 })).Jobs;
        Assert.True(dead.Count == 0, $"A job died: {dead.FirstOrDefault()?.Error}");
        Assert.Equal(handles.Count, ledger.Count);
        Assert.Equal(handles.Count, ledger.Select(e => e.Id).Distinct().Count());
        Assert.All(ledger, e => Assert.Equal(1, e.Attempt));
        Assert.All(Names, name => Assert.Contains(ledger, e => e.Worker == name));
    }
}
