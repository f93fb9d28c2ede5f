using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineStageKindsTests
{
    [Fact]
    public async Task Filter_keeps_only_what_the_predicate_accepts_sync_and_async()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 10_000))
            .Filter("even", x => x % 2 == 0, new StageOptions { Workers = 2 })
            .Filter("by3", async (x, ct) =>
            {
                await Task.Yield();
                return x % 3 == 0;
            }, new StageOptions { Workers = 3 });

        Assert.Equal(Enumerable.Range(0, 10_000).Where(x => x % 6 == 0), await pipeline.ToAsyncEnumerable().ToListAsync());
    }

    [Fact]
    public async Task FlatMap_expands_each_item_in_order_from_sequences_and_async_streams()
    {
        Pipeline<string> pipeline = Pipeline.From(["a b", "", "c d e"])
            .FlatMap("words", line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FlatMap("twice", Twice, new StageOptions { Workers = 2 });

        Assert.Equal(["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"], await pipeline.ToAsyncEnumerable().ToListAsync());
    }

    [Fact]
    public async Task FlatMap_can_produce_far_more_items_than_its_buffers_hold()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 10))
            .FlatMap("many", x => Enumerable.Range(x * 10_000, 10_000), new StageOptions { Buffer = 8 });

        Assert.Equal(Enumerable.Range(0, 100_000), await pipeline.ToAsyncEnumerable().ToListAsync());
    }

    [Fact]
    public async Task Tap_sees_every_item_and_passes_it_on_unchanged()
    {
        var seen = new ConcurrentQueue<int>();
        int asyncSeen = 0;
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000))
            .Tap("log", seen.Enqueue)
            .Tap("audit", async (x, ct) =>
            {
                await Task.Yield();
                Interlocked.Increment(ref asyncSeen);
            }, new StageOptions { Workers = 2 });

        Assert.Equal(Enumerable.Range(0, 1_000), await pipeline.ToAsyncEnumerable().ToListAsync());
        Assert.Equal(Enumerable.Range(0, 1_000), seen);
        Assert.Equal(1_000, asyncSeen);
        Assert.Equal(["source", "log", "audit", "sink"], pipeline.Snapshot().Stages.Select(s => s.Name));
        Assert.Equal(["source", "tap", "tap", "sink"], pipeline.Snapshot().Stages.Select(s => s.Kind));
    }

    [Fact]
    public async Task A_pipeline_can_run_again_and_each_run_starts_from_the_source()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(1, 100)).Map("m", x => x * 2);

        Assert.Equal(10_100, (await pipeline.ToAsyncEnumerable().ToListAsync()).Sum());
        Assert.Equal(10_100, (await pipeline.ToAsyncEnumerable().ToListAsync()).Sum());
        Assert.Equal(100, pipeline.Snapshot().Stages.Single(s => s.Name == "m").ItemsIn);
    }

    private static async IAsyncEnumerable<string> Twice(string word, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return word;
        yield return word;
    }
}
