using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

/// <summary>What a run leaves behind when it ends early: nothing of it may still run once the enumeration has returned.</summary>
public sealed class PipelineRunEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_async_delegate_in_flight_when_the_consumer_breaks_finishes_before_the_enumeration_returns(bool filter)
    {
        // The output holds 8 items in segments of 2. The consumer takes the first segment and stops reading;
        // items 2..9 fill the output, item 10 waits in the worker's segment, and the call on item 11 is held,
        // so the worker is blocked handing on item 10 while the call is pending.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int finished = 0;
        async ValueTask<int> Call(int x)
        {
            if (x != 11)
            {
                return x;
            }

            held.TrySetResult();
            await release.Task;
            Volatile.Write(ref finished, 1);
            throw new InvalidOperationException("a late failure nobody waits for");
        }

        Pipeline<int> source = Pipeline.From(Enumerable.Range(0, 1_000), new PipelineOptions { OutputBuffer = 8 });
        Pipeline<int> pipeline = filter
            ? source.Filter("held", async (x, ct) => await Call(x) >= 0)
            : source.Map("held", (x, ct) => Call(x));

        IAsyncEnumerator<int> output = pipeline.ToAsyncEnumerable().GetAsyncEnumerator();
        Assert.True(await output.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal(0, output.Current);
        await held.Task.WaitAsync(Patience);

        // Leaving the loop: the run stops and the worker's hand-over is aborted while the call is pending.
        Task disposed = output.DisposeAsync().AsTask();
        Task<int> finishedAtReturn = disposed.ContinueWith(_ => Volatile.Read(ref finished), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await LetTheRunStopAsync();
        release.TrySetResult();
        await disposed.WaitAsync(Patience);

        Assert.Equal(1, await finishedAtReturn);
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task An_async_source_read_in_flight_when_the_caller_cancels_ends_before_the_run_and_the_run_throws_cancelled()
    {
        // The stage in front of the output holds its first segment; its buffer (8 items, segments of 2) fills with
        // items 2..9, item 10 waits in the pump's segment, and the read of the next item is held.
        using var cts = new CancellationTokenSource();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int finallyRan = 0;
        async IAsyncEnumerable<int> Source()
        {
            try
            {
                for (int i = 0; i <= 10; i++)
                {
                    yield return i;
                }

                reading.TrySetResult();
                await release.Task;
                yield return 11;
            }
            finally
            {
                Volatile.Write(ref finallyRan, 1);
            }
        }

        Pipeline<int> pipeline = Pipeline.From(Source())
            .Map("stuck", async (x, ct) =>
            {
                stuck.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return x;
            }, new StageOptions { Buffer = 8 });

        Task<List<int>> consumed = pipeline.ToAsyncEnumerable(cts.Token).ToListAsync().AsTask();
        await Task.WhenAll(reading.Task, stuck.Task).WaitAsync(Patience);
        await cts.CancelAsync();
        Task<int> finallyAtReturn = consumed.ContinueWith(_ => Volatile.Read(ref finallyRan), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await LetTheRunStopAsync();
        release.TrySetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumed.WaitAsync(Patience));
        Assert.Equal(1, await finallyAtReturn);
    }

    /// <summary>
    /// Gives the stopping run a few turns of the thread pool before the held call is let go. It does not make
    /// the test pass: once fixed, the run cannot end before the call does however long this takes; it only
    /// lets a run that would leave the call behind get there first, so the test catches it.
    /// </summary>
    private static async Task LetTheRunStopAsync()
    {
        for (int i = 0; i < 20; i++)
        {
            await Task.Yield();
        }
    }
}
