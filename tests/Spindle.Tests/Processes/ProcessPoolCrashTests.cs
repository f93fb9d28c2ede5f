using System.Collections.Concurrent;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

/// <summary>A worker that dies fails only the call it ran; the pool replaces it and carries on.</summary>
public sealed class ProcessPoolCrashTests
{
    [Fact]
    public async Task FailFast_FailsOnlyThatCall_WithTheReason_AndThePoolCarriesOn()
    {
        var output = new ConcurrentQueue<string>();
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(output: output));
        Task<long>[] before = await SubmitEchoesAsync(pool, 0, 50);
        Task<int> crash = await pool.SubmitAsync(Workers.Tasks.FailFast, "boom from the test");
        Task<long>[] after = await SubmitEchoesAsync(pool, 50, 50);

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => crash);
        Assert.Equal(TaskFailureKind.Crash, error.Failure.Kind);
        Assert.Equal("test.failfast", error.Failure.TaskKind);
        Assert.Contains("FailFast", error.Reason);
        Assert.Contains("boom from the test", error.Reason);
        Assert.Equal(134, error.Signal + 128);
        Assert.False(error.IsPoison);

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), await Task.WhenAll(before.Concat(after)));
        Assert.Equal(1, pool.Stats.Crashed);
        Assert.Equal(1, pool.Stats.WorkersLost);
        Assert.Equal(7L, await await pool.SubmitAsync(Workers.Tasks.Echo, 7L));
    }

    [Fact]
    public async Task StackOverflow_IsNamed()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        Task<int> crash = await pool.SubmitAsync(Workers.Tasks.Overflow, 0);
        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => crash);
        Assert.Equal("stack overflow", error.Reason);
        Assert.Equal(3L, await await pool.SubmitAsync(Workers.Tasks.Echo, 3L));
    }

    [Fact]
    public async Task ExitAndSigkill_AreNamed()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        var exited = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await await pool.SubmitAsync(Workers.Tasks.Exit, 3));
        Assert.Equal(3, exited.ExitCode);
        Assert.Null(exited.Signal);
        Assert.Contains("exited with code 3", exited.Message);

        var killed = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await await pool.SubmitAsync(Workers.Tasks.KillSelf, 0));
        Assert.Equal(9, killed.Signal);
        Assert.Contains("SIGKILL", killed.Reason);
        Assert.Equal(2, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task HandlerException_IsARemoteTaskException_WithTypeMessageAndStack_AndTheWorkerLives()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        int pid = await await pool.SubmitAsync(Workers.Tasks.Pid, 0);
        var error = await Assert.ThrowsAsync<RemoteTaskException>(async () => await await pool.SubmitAsync(Workers.Tasks.Throw, "no such thing"));
        Assert.Equal(typeof(InvalidOperationException).FullName, error.Failure.ErrorType);
        Assert.Equal("no such thing", error.Failure.Message);
        Assert.Contains("Refuse", error.RemoteStackTrace);
        Assert.Contains("remote stack trace", error.ToString());
        Assert.Equal(pid, await await pool.SubmitAsync(Workers.Tasks.Pid, 0));
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task CrashRetry_RunsTheCallAgain_WithTheNextAttempt()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-crash-once-{Guid.NewGuid():N}");
        try
        {
            await using ProcessPool pool = await Workers.StartAsync(Workers.Options() with { CrashRetries = 1 });
            Assert.Equal(2, await await pool.SubmitAsync(Workers.Tasks.CrashOnce, marker));
            Assert.Equal(0, pool.Stats.Crashed);
            Assert.Equal(1, pool.Stats.WorkersLost);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task PoisonCall_FailsAfterSeveralCrashesInARow_AndAgainAtOnce()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options() with { CrashRetries = 10, PoisonAfterCrashes = 3 });
        var poison = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await await pool.SubmitAsync(Workers.Tasks.FailFast, "poison"));
        Assert.True(poison.IsPoison);
        Assert.Contains("killed 3 worker(s) in a row", poison.Message);
        Assert.Equal(3, pool.Stats.WorkersLost);

        var again = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await await pool.SubmitAsync(Workers.Tasks.FailFast, "poison"));
        Assert.True(again.IsPoison);
        Assert.Contains("without running", again.Message);
        Assert.Equal(3, pool.Stats.WorkersLost);

        // Other arguments of the same kind are not poison.
        Assert.Equal(5L, await await pool.SubmitAsync(Workers.Tasks.Echo, 5L));
    }

    [Fact]
    public async Task Map_UnderCrashesWithRetry_KeepsOrder_AndFailsOnlyThePoisonItem()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options() with { CrashRetries = 1 });
        List<long> source = [.. Enumerable.Range(0, 200).Select(i => (long)i)];
        var outcomes = new List<Spindle.Pools.ItemOutcome<long>>();
        await foreach (var outcome in pool.MapAsync(Workers.Tasks.CrashOn, source, new Spindle.Pools.MapOptions { Failures = Spindle.Pools.MapFailureMode.Collect, ChunkSize = 16 }).Outcomes)
        {
            outcomes.Add(outcome);
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), outcomes.Select(o => o.Index));
        Assert.All(outcomes.Where(o => o.Index != 13), o => Assert.Equal(o.Index * 2, o.Value));
        var failed = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal(13, failed.Index);
        Assert.Contains("item 13 is poison", Assert.IsType<WorkerCrashedException>(failed.Exception).Reason);
    }

    [Fact]
    public async Task GarbageOnThePipe_KillsThatWorker_FailsItsCall_AndTheReplacementServes()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-garbage-{Guid.NewGuid():N}");
        try
        {
            await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { WorkerArguments = ["garbage-once", marker] });
            var error = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await await pool.SubmitAsync(Workers.Tasks.Echo, 1L));
            Assert.Equal("garbage on the pipe", error.Reason);
            Assert.Contains("GARBAGE", error.Message);
            Assert.Equal(2L, await await pool.SubmitAsync(Workers.Tasks.Echo, 2L));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    private static async Task<Task<long>[]> SubmitEchoesAsync(ProcessPool pool, int from, int count)
    {
        var tasks = new Task<long>[count];
        for (int i = 0; i < count; i++)
        {
            tasks[i] = await pool.SubmitAsync(Workers.Tasks.Echo, from + i);
        }

        return tasks;
    }
}
