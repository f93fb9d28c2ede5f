using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

public sealed class ProcessPoolSubmitTests
{
    [Fact]
    public async Task ByKindName_FindsTheTypedKind_AndRefusesWrongTypesOrUnknownKinds()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        Assert.Equal(81L, await await pool.SubmitAsync<long, long>("test.square", 9));
        var unknown = Assert.Throws<TaskArgumentException>(() => pool.SubmitAsync<long, long>("test.nope", 1));
        Assert.Contains("Unknown task kind 'test.nope'", unknown.Message);
        var mistyped = Assert.Throws<TaskArgumentException>(() => pool.SubmitAsync<string, long>("test.square", "x"));
        Assert.Contains("takes Int64", mistyped.Message);
    }

    [Fact]
    public async Task KindOutsideThePoolsCatalog_IsRefused()
    {
        var other = new TaskCatalog();
        TaskKind<int, int> stranger = other.Add("other.kind", (int x, TaskContext _) => x);
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        var error = Assert.Throws<TaskArgumentException>(() => pool.SubmitAsync(stranger, 1));
        Assert.Contains("not in the catalog", error.Message);
    }

    [Fact]
    public async Task OversizedArguments_AreRefusedWithTheLimit()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { MaxPayloadBytes = 4096 });
        var error = Assert.Throws<TaskArgumentException>(() => pool.SubmitAsync(Workers.Tasks.Print, new string('x', 10_000)));
        Assert.Contains("4,096-byte limit", error.Message);
        Assert.Equal(2, await await pool.SubmitAsync(Workers.Tasks.Print, "ok"));
    }

    [Fact]
    public async Task CancellingAQueuedCall_RemovesIt_AndCancellingARunningOne_SignalsItsToken()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        using var running = new CancellationTokenSource();
        using var queued = new CancellationTokenSource();
        Task<int> sleeping = await pool.SubmitAsync(Workers.Tasks.Sleep, 60_000, cancellationToken: running.Token);
        var waiting = new List<Task<int>>();
        for (int i = 0; i < 100; i++)
        {
            waiting.Add(await pool.SubmitAsync(Workers.Tasks.Attempt, i, cancellationToken: queued.Token));
        }

        await queued.CancelAsync();
        await running.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sleeping);
        foreach (Task<int> call in waiting)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        Assert.Equal(0, pool.Stats.WorkersLost);
        Assert.Equal(1, await await pool.SubmitAsync(Workers.Tasks.Attempt, 0));
    }

    [Fact]
    public async Task HigherPriority_RunsFirst()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { AgingRate = 0 });
        Task<int> blocker = await pool.SubmitAsync(Workers.Tasks.Sleep, 300);
        var turns = new Task<long>[10];
        for (int priority = 0; priority < 10; priority++)
        {
            turns[priority] = await pool.SubmitAsync(Workers.Tasks.Turn, 0L, priority);
        }

        await blocker;
        long[] ran = await Task.WhenAll(turns);

        // The worker ran them one at a time: the most urgent took the first turn.
        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(i => (long)i), ran);
    }

    [Fact]
    public async Task ManySubmits_AllComplete()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 2) with { QueueCapacity = 100 });
        var calls = new Task<long>[20_000];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = await pool.SubmitAsync(Workers.Tasks.Echo, i);
        }

        Assert.Equal(Enumerable.Range(0, calls.Length).Select(i => (long)i), await Task.WhenAll(calls));
    }
}
