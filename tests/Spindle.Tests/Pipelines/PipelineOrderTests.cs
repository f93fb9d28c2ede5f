using System.Threading.Channels;
using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineOrderTests
{
    [Fact]
    public async Task Three_maps_over_every_kind_of_source_yield_every_item_in_order()
    {
        int[] expected = [.. Enumerable.Range(0, 20_000).Select(x => ((x + 1) * 2) - 3)];
        var channel = Channel.CreateUnbounded<int>();
        foreach (int i in Enumerable.Range(0, 20_000))
        {
            channel.Writer.TryWrite(i);
        }

        channel.Writer.Complete();

        Pipeline<int>[] sources =
        [
            Pipeline.From(Enumerable.Range(0, 20_000)),
            Pipeline.From(CountingSource.AsyncRange(20_000)),
            Pipeline.From(channel.Reader),
        ];
        foreach (Pipeline<int> source in sources)
        {
            Pipeline<int> pipeline = source
                .Map("inc", x => x + 1, new StageOptions { Buffer = 64 })
                .Map("double", (x, ct) => ValueTask.FromResult(x * 2), new StageOptions { Workers = 3, Buffer = 100 })
                .Map("minus", x => x - 3, new StageOptions { Workers = 2, Buffer = 7 });

            Assert.Equal(expected, await pipeline.ToAsyncEnumerable().ToListAsync());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_ordered_stage_keeps_order_when_its_workers_finish_out_of_order(bool asyncBody)
    {
        // Later items of each group of eight yield fewer times, so they finish before earlier ones.
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 400));
        pipeline = asyncBody
            ? pipeline.Map("shuffle", async (x, ct) =>
            {
                for (int spin = 0; spin < 8 - (x % 8); spin++)
                {
                    await Task.Yield();
                }

                return x;
            }, new StageOptions { Workers = 4, Buffer = 16, Ordered = true })
            : pipeline.Map("shuffle", x =>
            {
                for (int spin = 0; spin < 8 - (x % 8); spin++)
                {
                    Thread.Yield();
                }

                return x;
            }, new StageOptions { Workers = 4, Buffer = 4, Ordered = true });

        Assert.Equal(Enumerable.Range(0, 400), await pipeline.ToAsyncEnumerable().ToListAsync());
    }

    [Fact]
    public async Task An_ordered_stage_keeps_order_with_a_gate_holding_the_first_item()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new List<int>();
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 4))
            .Map("held", async (x, ct) =>
            {
                if (x == 0)
                {
                    await gate.Task.WaitAsync(ct);
                }

                lock (finished)
                {
                    finished.Add(x);
                    if (finished.Count == 3)
                    {
                        gate.TrySetResult();
                    }
                }

                return x;
            }, new StageOptions { Workers = 4, Buffer = 4 });

        List<int> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // Item 0 finished last, yet leaves first.
        Assert.Equal(0, finished[^1]);
        Assert.Equal([0, 1, 2, 3], results);
    }

    [Fact]
    public async Task An_ordered_stage_keeps_order_when_a_later_multi_item_segment_finishes_first()
    {
        // Two workers, segments of two items: [0, 1] goes to one worker, [2, 3] to the other. Item 0 is held
        // until item 3 is done, so the later segment finishes first, whatever the scheduler does.
        using var laterSegmentDone = new ManualResetEventSlim();
        var finished = new List<int>();
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 64))
            .Map("held", x =>
            {
                if (x == 0 && !laterSegmentDone.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("the later segment never finished");
                }

                lock (finished)
                {
                    finished.Add(x);
                }

                if (x == 3)
                {
                    laterSegmentDone.Set();
                }

                return x;
            }, new StageOptions { Workers = 2, Buffer = 16 });

        List<int> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(finished.IndexOf(3) < finished.IndexOf(0), "item 3 should have finished before item 0");
        Assert.True(finished.IndexOf(2) < finished.IndexOf(0), "the whole later segment should have finished before item 0");
        Assert.Equal(Enumerable.Range(0, 64), results);
    }

    [Fact]
    public async Task An_unordered_stage_yields_every_item_once_and_lets_fast_items_pass_a_slow_one()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<int>();
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000))
            .Map("held", async (x, ct) =>
            {
                if (x == 0)
                {
                    await gate.Task.WaitAsync(ct);
                }

                return x;
            }, new StageOptions { Workers = 4, Buffer = 8, Ordered = false });

        await foreach (int x in pipeline.ToAsyncEnumerable())
        {
            seen.Add(x);
            if (seen.Count == 999)
            {
                gate.TrySetResult();
            }
        }

        Assert.Equal(Enumerable.Range(0, 1_000), seen.Order());
        Assert.Equal(0, seen[^1]);
    }

    [Fact]
    public async Task An_empty_source_completes_every_stage_with_nothing()
    {
        Pipeline<int> pipeline = Pipeline.From(Array.Empty<int>())
            .Map("a", x => x, new StageOptions { Workers = 3 })
            .Filter("b", x => true)
            .Batch("c", 4)
            .FlatMap("d", batch => batch);

        Assert.Empty(await pipeline.ToAsyncEnumerable().ToListAsync());
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task RunAsync_delivers_every_item_to_the_sink_in_order_then_completes()
    {
        var received = new List<long>();
        Pipeline<long> pipeline = Pipeline.From(Enumerable.Range(0, 50_000))
            .Map("widen", x => (long)x, new StageOptions { Workers = 2 });

        await pipeline.RunAsync(received.Add);

        Assert.Equal(Enumerable.Range(0, 50_000).Select(x => (long)x), received);

        var asyncReceived = new List<long>();
        await pipeline.RunAsync(async (x, ct) =>
        {
            await Task.Yield();
            asyncReceived.Add(x);
        });
        Assert.Equal(received, asyncReceived);
    }
}
