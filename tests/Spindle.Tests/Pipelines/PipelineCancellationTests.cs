using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineCancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Cancelling_mid_stream_stops_every_stage_before_the_enumeration_throws()
    {
        using var cts = new CancellationTokenSource();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sourceStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = 0;
        int calls = 0;
        // Written by the worker held on item 500, read by the test after the run.
        bool sawCancellation = false;
        Pipeline<int> pipeline = Pipeline.From(CountingSource.Endless(sourceStopped))
            .Map("work", async (x, ct) =>
            {
                Interlocked.Increment(ref running);
                Interlocked.Increment(ref calls);
                try
                {
                    if (x == 500)
                    {
                        blocked.TrySetResult();

                        // Holds this worker until the token tells it to stop.
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    return x;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    Volatile.Write(ref sawCancellation, true);
                    throw;
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }, new StageOptions { Workers = 4, Ordered = false, Buffer = 64 })
            .Map("after", x => x + 1, new StageOptions { Workers = 2 });

        var received = new List<int>();
        Task consumed = Task.Run(async () =>
        {
            await foreach (int x in pipeline.ToAsyncEnumerable(cts.Token))
            {
                received.Add(x);
                if (received.Count == 100)
                {
                    await blocked.Task.WaitAsync(Patience);
                    await cts.CancelAsync();
                }
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumed.WaitAsync(Patience));

        int callsAtEnd = Volatile.Read(ref calls);
        Assert.Equal(0, Volatile.Read(ref running));
        Assert.True(Volatile.Read(ref sawCancellation), "the worker held on item 500 should have seen its token cancelled");
        Assert.True(sourceStopped.Task.IsCompleted, "the source should have been stopped");
        Assert.Equal(100, received.Count);
        PipelineSnapshot snapshot = pipeline.Snapshot();
        Assert.False(snapshot.IsRunning);
        Assert.All(snapshot.Stages, s => Assert.Equal(0, s.BusyWorkers));

        // Nothing of the run is left to call the delegate again.
        await Task.Yield();
        Assert.Equal(callsAtEnd, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Leaving_the_loop_early_stops_the_source_and_every_stage()
    {
        var sourceStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline<int> pipeline = Pipeline.From(CountingSource.Endless(sourceStopped))
            .Map("a", x => x * 2, new StageOptions { Workers = 2 })
            .Filter("b", x => x % 3 != 0);

        var taken = new List<int>();
        await foreach (int x in pipeline.ToAsyncEnumerable())
        {
            taken.Add(x);
            if (taken.Count == 10)
            {
                break;
            }
        }

        Assert.Equal([2, 4, 8, 10, 14, 16, 20, 22, 26, 28], taken);
        Assert.True(sourceStopped.Task.IsCompleted);
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task A_cancelled_run_of_RunAsync_throws_and_leaves_nothing_running()
    {
        using var cts = new CancellationTokenSource();
        var sourceStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline<int> pipeline = Pipeline.From(CountingSource.Endless(sourceStopped)).Map("m", x => x);
        int received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(x =>
        {
            if (++received == 1_000)
            {
                cts.Cancel();
            }
        }, cts.Token).WaitAsync(Patience));

        Assert.True(sourceStopped.Task.IsCompleted);
        Assert.InRange(received, 1_000, 1_000 + 256);
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task An_already_cancelled_token_yields_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        int calls = 0;
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000)).Map("m", x => Interlocked.Increment(ref calls));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ToAsyncEnumerable(cts.Token).ToListAsync());

        Assert.Equal(0, Volatile.Read(ref calls));
        Assert.Equal(0, pipeline.Snapshot().Stages.Single(s => s.Name == "source").ItemsOut);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sync_stage_stops_within_64_items_of_cancellation_not_at_the_end_of_its_segment(bool filter)
    {
        // One segment of 256 items reaches the stage; the delegate cancels the run on item 10.
        using var cts = new CancellationTokenSource();
        int calls = 0;
        int Heavy(int x)
        {
            Interlocked.Increment(ref calls);
            if (x == 10)
            {
                cts.Cancel();
            }

            return x;
        }

        Pipeline<int> source = Pipeline.From(Enumerable.Range(0, 256));
        Pipeline<int> pipeline = filter
            ? source.Filter("heavy", x => Heavy(x) >= 0, new StageOptions { Buffer = 1_024 })
            : source.Map("heavy", Heavy, new StageOptions { Buffer = 1_024 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ToAsyncEnumerable(cts.Token).ToListAsync().AsTask().WaitAsync(Patience));

        // Items 0..63 run (the look before item 0 saw nothing), then the look before item 64 stops the loop.
        Assert.Equal(64, Volatile.Read(ref calls));
    }
}
