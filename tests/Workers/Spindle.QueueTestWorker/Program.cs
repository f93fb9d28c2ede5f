using System.Globalization;
using Spindle.Queue;
using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;
using Spindle.Tasks;

// work <database> <worker-id> <ledger> <lease-ms> <concurrency>: a QueueWorker serving "default" with the kind
// chaos.job (waits 20 ms, appends "<job> <attempt> <worker-id>" to the ledger, returns its argument). Prints
// "ready" once started and stops gracefully when stdin closes or says "stop". The chaos test kills it with -9.
// <database> is a SQLite file, or "env" for the store named by SPINDLE_STORE (a PostgreSQL connection string
// carries a password, which must not sit on a command line).
if (args is ["work", string database, string workerId, string ledger, string leaseText, string concurrencyText])
{
    var catalog = new TaskCatalog();
    var ledgerLock = new Lock();
    catalog.Add<int, int>("chaos.job", async (x, context) =>
    {
        await Task.Delay(20, context.CancellationToken);
        lock (ledgerLock)
        {
            // One short O_APPEND write per line: lines of several processes never interleave.
            // One ledger file per worker process: appends from two processes to one file are not atomic.
            File.AppendAllText($"{ledger}.{workerId}", $"{context.JobId} {context.Attempt} {workerId}\n");
        }

        return x;
    });
    TimeSpan lease = TimeSpan.FromMilliseconds(int.Parse(leaseText, CultureInfo.InvariantCulture));
    await using QueueWorker queueWorker = await QueueWorker.OpenAsync(
        database == "env" ? Environment.GetEnvironmentVariable("SPINDLE_STORE") ?? throw new InvalidOperationException("SPINDLE_STORE is not set.") : $"sqlite:{database}",
        catalog, new QueueWorkerOptions
    {
        WorkerId = workerId,
        Queues = new Dictionary<string, int> { ["default"] = int.Parse(concurrencyText, CultureInfo.InvariantCulture) },
        Lease = lease,
        PollInterval = TimeSpan.FromMilliseconds(50),
    });
    await queueWorker.StartAsync();
    Console.WriteLine("ready");
    while (Console.ReadLine() is { } line && line != "stop")
    {
    }

    await queueWorker.StopAsync();
    Console.WriteLine("stopped");
    return 0;
}


// hammer <database> <queue> <rounds> <jobs-per-round>: opens its own store on the file, says "ready", waits
// for a line on stdin (so every process starts at once), then enqueues, claims, heartbeats, completes, and
// runs maintenance and reads each round. Prints "done <completed>" and exits 0, or each error and exits 1.
if (args is not ["hammer", string path, string queue, string roundsText, string perRoundText])
{
    Console.Error.WriteLine("usage: Spindle.QueueTestWorker hammer <database> <queue> <rounds> <jobs-per-round> | work <database> <worker-id> <ledger> <lease-ms> <concurrency>");
    return 2;
}

int rounds = int.Parse(roundsText, System.Globalization.CultureInfo.InvariantCulture);
int perRound = int.Parse(perRoundText, System.Globalization.CultureInfo.InvariantCulture);
TimeProvider time = TimeProvider.System;
await using SqliteJobStore store = await SqliteJobStore.OpenAsync(new SqliteStoreSettings(path, TimeSpan.FromSeconds(30), null, time.GetUtcNow()), CancellationToken.None);
Console.WriteLine("ready");
Console.In.ReadLine();

int completed = 0, errors = 0;
string worker = $"{queue}-{Environment.ProcessId}";
for (int round = 0; round < rounds; round++)
{
    try
    {
        DateTimeOffset now = time.GetUtcNow();
        var jobs = Enumerable.Range(0, perRound).Select(i => new JobInsert("test.job", queue, $"{{\"round\":{round},\"i\":{i}}}", 0, now, null, 3, null, RetryBackoff.Default, null)).ToList();
        await store.JobsInsert(new JobsInsertParams(jobs, now), CancellationToken.None);
        IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams(worker, [queue], perRound, TimeSpan.FromMinutes(5), now), CancellationToken.None);
        await store.JobsHeartbeat(new JobsHeartbeatParams(claimed.Select(j => new JobLease(j.Id, j.Attempt)).ToList(), TimeSpan.FromMinutes(5), now), CancellationToken.None);
        JobsCompleteResult result = await store.JobsComplete(new JobsCompleteParams(claimed.Select(j => JobCompletion.Succeeded(j.Id, j.Attempt, "1")).ToList(), now), CancellationToken.None);
        completed += result.Completed.Count;
        await store.JobsRescue(new JobsRescueParams(now, 100), CancellationToken.None);
        await store.QueueStats(new QueueStatsParams(queue), CancellationToken.None);
        await store.JobsList(new JobsListParams(queue, null, null, null, 10, NewestFirst: true), CancellationToken.None);
    }
    catch (Exception e)
    {
        errors++;
        Console.Error.WriteLine($"error in round {round}: {e.GetType().FullName}: {e.Message}");
    }
}

Console.WriteLine($"done {completed}");
return errors == 0 ? 0 : 1;
