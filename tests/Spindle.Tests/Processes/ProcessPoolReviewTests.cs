using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tasks;
using Spindle.Tasks.Commands;

namespace Spindle.Tests.Processes;

/// <summary>Regression tests for the review of issue 3's process pool.</summary>
public sealed class ProcessPoolReviewTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Issue3_AMapRunningWhileThePoolIsDisposed_EndsInsteadOfHanging()
    {
        ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { ShutdownGracePeriod = TimeSpan.Zero });
        Task<int[]> map = pool.MapAsync(Workers.Tasks.Sleep, Enumerable.Repeat(20, 1000), new MapOptions { ChunkSize = 1, Window = 4 }).ToArrayAsync().AsTask();
        await pool.DisposeAsync();
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => map.WaitAsync(Bound));
        Assert.True(error is ObjectDisposedException or OperationCanceledException, error.ToString());
    }

    [Fact]
    public async Task Issue3_CancellingAMapThatWaitsForQueueRoom_EndsIt()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { QueueCapacity = 1 });
        using var cancel = new CancellationTokenSource();
        Task<int[]> map = pool.MapAsync(Workers.Tasks.Sleep, Enumerable.Repeat(200, 100), new MapOptions { ChunkSize = 1, Window = 50 }, cancel.Token).ToArrayAsync().AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));
        Assert.Equal(7L, await await pool.SubmitAsync(Workers.Tasks.Echo, 7L));
    }

    [Fact]
    public async Task Issue3_RecyclingUnderLoad_StartsExactlyOneReplacementPerRetiredWorker()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 2) with { MaxCallsPerWorker = 3 });
        var calls = new List<Task<long>>();
        for (int i = 0; i < 60; i++)
        {
            calls.Add(await pool.SubmitAsync(Workers.Tasks.Echo, i));
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), await Task.WhenAll(calls));
        ProcessPoolStats stats = pool.Stats;
        Assert.Equal(0, stats.WorkersLost);
        // Never more than one replacement per retired worker (the last ones may still be on their way).
        Assert.InRange(stats.WorkersStarted, stats.WorkersRecycled, 2 + stats.WorkersRecycled);
        Assert.InRange(stats.WorkersRecycled, 19, 21);
        Assert.True(pool.Workers.Count(w => w.State is WorkerState.Ready or WorkerState.Starting) <= 2, string.Join(", ", pool.Workers));
    }

    [Fact]
    public async Task Issue3_IntegerMapWithFailuresAcrossChunks_ReturnsTheRightValuesAndFailures()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        int[] source = [.. Enumerable.Range(0, 5000)];
        foreach (int chunk in new[] { 3, 64, 1000 })
        {
            var outcomes = new List<ItemOutcome<int>>();
            await foreach (ItemOutcome<int> outcome in pool.MapAsync(Workers.Tasks.IntFailOn7, source, new MapOptions { ChunkSize = chunk, Failures = MapFailureMode.Collect }).Outcomes)
            {
                outcomes.Add(outcome);
            }

            Assert.Equal(5000, outcomes.Count);
            Assert.All(outcomes, o =>
            {
                if (o.Index % 10 == 7)
                {
                    Assert.Equal($"{o.Index} ends in seven", Assert.IsType<RemoteTaskException>(o.Exception).Failure.Message);
                }
                else
                {
                    Assert.Equal(o.Index * 3, o.Value);
                }
            });
        }

        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task Issue3_ChunkResultsPastThePayloadLimit_FailWithTheReason_AndTheWorkerLives()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { MaxPayloadBytes = 4096 });
        int[] lengths = [.. Enumerable.Repeat(300, 100)];
        var outcomes = new List<ItemOutcome<string>>();
        await foreach (ItemOutcome<string> outcome in pool.MapAsync(Workers.Tasks.Repeat, lengths, new MapOptions { ChunkSize = 100, Failures = MapFailureMode.Collect }).Outcomes)
        {
            outcomes.Add(outcome);
        }

        // 100 results of 300 characters do not fit in 4 KiB: the first items return, the rest fail with the reason.
        int returned = outcomes.Count(o => o.Succeeded);
        Assert.InRange(returned, 1, 99);
        Assert.All(outcomes.Take(returned), o => Assert.Equal(new string('x', 300), o.Value));
        Assert.All(outcomes.Skip(returned), o => Assert.Contains("payload limit", o.Exception!.Message));
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task Issue3_ProgramsAWorkerStarts_DoNotInheritTheWorkerVariables()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        CommandResult env = await await pool.SubmitAsync(CommandTask.Kind, new CommandArgs { Argv = ["env"] });
        Assert.Equal(0, env.ExitCode);
        Assert.Contains("PATH=", env.StdoutTail);
        Assert.DoesNotContain("SPINDLE_WORKER", env.StdoutTail);
    }

    [Fact]
    public async Task Issue3_AThrowingOutputCallback_DoesNotStopTheWorkers()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1) with { OnWorkerOutput = _ => throw new InvalidOperationException("callback refuses") });
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(300, await await pool.SubmitAsync(Workers.Tasks.Print, new string('x', 300)));
        }
    }

    [Fact]
    public async Task Issue3_StartingWithACancelledToken_ThrowsOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ProcessPool.StartAsync(Workers.Tasks.Catalog, Workers.Options(workers: 1), cancelled.Token));
    }
}
