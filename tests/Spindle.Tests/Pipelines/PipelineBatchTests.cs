using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineBatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Batch_by_size_groups_items_in_order_and_the_last_batch_holds_the_rest()
    {
        Pipeline<int[]> pipeline = Pipeline.From(Enumerable.Range(0, 10)).Batch("fours", 4, new StageOptions { Buffer = 3 });

        List<int[]> batches = await pipeline.ToAsyncEnumerable().ToListAsync();

        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public async Task Batch_by_size_over_many_items_loses_none()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 100_003))
            .Batch("batch", 1_000)
            .Map("sum", batch => batch.Length);

        List<int> sizes = await pipeline.ToAsyncEnumerable().ToListAsync();

        Assert.Equal(101, sizes.Count);
        Assert.All(sizes.Take(100), size => Assert.Equal(1_000, size));
        Assert.Equal(3, sizes[^1]);
    }

    [Fact]
    public async Task Batch_by_time_sends_a_partial_batch_when_its_deadline_passes_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var armed = Channel.CreateUnbounded<string>();
        var options = new PipelineOptions { TimeProvider = time, BatchTimerArmed = name => armed.Writer.TryWrite(name) };
        var input = Channel.CreateUnbounded<int>();
        Pipeline<int[]> pipeline = Pipeline.From(input.Reader, options).Batch("window", 10, TimeSpan.FromSeconds(1));
        await using IAsyncEnumerator<int[]> output = pipeline.ToAsyncEnumerable().GetAsyncEnumerator();

        foreach (int i in new[] { 1, 2, 3 })
        {
            input.Writer.TryWrite(i);
        }

        ValueTask<bool> next = output.MoveNextAsync();
        Assert.Equal("window", await armed.Reader.ReadAsync().AsTask().WaitAsync(Patience));

        // Armed, but the clock has not moved: nothing may leave yet.
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await next.AsTask().WaitAsync(Patience));
        Assert.Equal([1, 2, 3], output.Current);

        // A full batch leaves at once, without the clock.
        for (int i = 10; i < 20; i++)
        {
            input.Writer.TryWrite(i);
        }

        Assert.True(await output.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal(Enumerable.Range(10, 10), output.Current);

        // The end of the input sends what is left, without the clock.
        input.Writer.TryWrite(99);
        input.Writer.Complete();
        Assert.True(await output.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal([99], output.Current);
        Assert.False(await output.MoveNextAsync().AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Batch_by_time_under_a_trickle_rearms_one_timer_rather_than_starting_one_per_wait()
    {
        var time = new CountingTimeProvider();
        var armed = Channel.CreateUnbounded<string>();
        var options = new PipelineOptions { TimeProvider = time, BatchTimerArmed = name => armed.Writer.TryWrite(name) };
        var input = Channel.CreateUnbounded<int>();
        Pipeline<int[]> pipeline = Pipeline.From(input.Reader, options).Batch("window", 100, TimeSpan.FromSeconds(1));
        await using IAsyncEnumerator<int[]> output = pipeline.ToAsyncEnumerable().GetAsyncEnumerator();
        ValueTask<bool> next = output.MoveNextAsync();

        // Twenty items, each arriving while the worker waits with a partial batch and an armed deadline.
        for (int i = 0; i < 20; i++)
        {
            input.Writer.TryWrite(i);
            await armed.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        }

        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await next.AsTask().WaitAsync(Patience));
        Assert.Equal(Enumerable.Range(0, 20), output.Current);
        Assert.Equal(1, time.TimersCreated);
    }

    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        // Incremented by whichever thread creates a timer; read by the test.
        private int _created;

        internal int TimersCreated => Volatile.Read(ref _created);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public void A_batch_stage_refuses_more_than_one_worker_and_sizes_out_of_range()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1));

        var workers = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Batch("b", 4, new StageOptions { Workers = 2 }));
        Assert.Contains("StageOptions.Workers", workers.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Batch("b", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Batch("b", 4, TimeSpan.Zero));
    }
}
