using System.Collections.Concurrent;
using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineErrorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public async Task A_failing_item_fails_the_pipeline_with_the_stage_name_the_item_and_the_original_exception(int workers, bool asyncBody)
    {
        var boom = new InvalidOperationException("bad record");
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 10_000)).Map("inc", x => x + 1);
        var options = new StageOptions { Workers = workers, Buffer = 32 };
        pipeline = asyncBody
            ? pipeline.Map("parse", (x, ct) => x == 777 ? throw boom : ValueTask.FromResult(x), options)
            : pipeline.Map("parse", x => x == 777 ? throw boom : x, options);

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(async () => await pipeline.ToAsyncEnumerable().ToListAsync());

        Assert.Equal("parse", failure.StageName);
        Assert.True(failure.HasItem);
        Assert.Equal(777, failure.Item);
        Assert.Same(boom, failure.InnerException);
        Assert.Contains("'parse'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("777", failure.Message, StringComparison.Ordinal);
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task A_failure_recorded_before_the_consumer_breaks_is_thrown_from_the_loop()
    {
        var consumerHasItem = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 100))
            .Map("parse", async (x, ct) =>
            {
                if (x == 5)
                {
                    // Waiting hands items 0..4 on; the run's token is cancelled only once the failure is recorded.
                    await consumerHasItem.Task;
                    ct.Register(() => failed.TrySetResult());
                    throw new FormatException("bad record");
                }

                return x;
            });

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(async () =>
        {
            await foreach (int x in pipeline.ToAsyncEnumerable())
            {
                consumerHasItem.TrySetResult();
                await failed.Task.WaitAsync(Patience);
                break;
            }
        });

        Assert.Equal("parse", failure.StageName);
        Assert.Equal(5, failure.Item);
        Assert.False(pipeline.Snapshot().IsRunning);
    }

    [Fact]
    public async Task Breaking_out_of_a_healthy_run_throws_nothing()
    {
        int taken = 0;
        await foreach (int x in Pipeline.From(Enumerable.Range(0, 10_000)).Map("m", x => x, new StageOptions { Workers = 2 }).ToAsyncEnumerable())
        {
            if (++taken == 3)
            {
                break;
            }
        }

        Assert.Equal(3, taken);
    }

    [Fact]
    public async Task A_failure_cancels_every_stage_including_an_endless_source()
    {
        var sourceStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline<int> pipeline = Pipeline.From(CountingSource.Endless(sourceStopped))
            .Map("fails", x => x == 100 ? throw new FormatException("no") : x)
            .Map("after", x => x);

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(() => pipeline.RunAsync(_ => { }).WaitAsync(Patience));

        Assert.Equal("fails", failure.StageName);
        Assert.IsType<FormatException>(failure.InnerException);

        // The run waits for every stage before it throws, so the source has been stopped already.
        Assert.True(sourceStopped.Task.IsCompleted);
        Assert.All(pipeline.Snapshot().Stages, s => Assert.Equal(0, s.BusyWorkers));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public async Task Routed_failures_go_to_the_error_sink_with_stage_and_item_and_the_rest_carry_on(int workers, bool asyncBody)
    {
        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions
        {
            ErrorSink = (error, ct) =>
            {
                routed.Add(error);
                return ValueTask.CompletedTask;
            },
        };
        var stage = new StageOptions { Workers = workers, Errors = StageErrorMode.RouteToErrorSink };
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000), options);
        pipeline = asyncBody
            ? pipeline.Filter("check", async (x, ct) =>
            {
                await Task.Yield();
                return x % 100 == 3 ? throw new ArgumentException($"item {x}") : true;
            }, stage)
            : pipeline.Filter("check", x => x % 100 == 3 ? throw new ArgumentException($"item {x}") : true, stage);

        List<int> results = await pipeline.ToAsyncEnumerable().ToListAsync();

        Assert.Equal(Enumerable.Range(0, 1_000).Where(x => x % 100 != 3), results);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (i * 100) + 3), routed.Select(e => (int)e.Item!).Order());
        Assert.All(routed, e =>
        {
            Assert.Equal("check", e.StageName);
            Assert.Equal($"item {e.Item}", Assert.IsType<ArgumentException>(e.Exception).Message);
        });
        Assert.Equal(10, pipeline.Snapshot().Stages.Single(s => s.Name == "check").Failed);
    }

    [Fact]
    public async Task Stages_choose_their_own_mode_in_one_pipeline()
    {
        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions { ErrorSink = (e, ct) => { routed.Add(e); return ValueTask.CompletedTask; } };
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 100), options)
            .Map("lenient", x => x == 5 ? throw new InvalidOperationException() : x, new StageOptions { Errors = StageErrorMode.RouteToErrorSink })
            .Map("strict", x => x == 50 ? throw new InvalidOperationException() : x);

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(async () => await pipeline.ToAsyncEnumerable().ToListAsync());

        Assert.Equal("strict", failure.StageName);
        Assert.Equal(50, failure.Item);
        Assert.Equal(5, Assert.Single(routed).Item);
    }

    [Fact]
    public async Task An_error_sink_that_throws_fails_the_pipeline_with_its_exception()
    {
        var sinkError = new IOException("dead-letter store is down");
        var options = new PipelineOptions { ErrorSink = (e, ct) => throw sinkError };
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 100), options)
            .Map("m", x => x == 9 ? throw new InvalidOperationException() : x, new StageOptions { Errors = StageErrorMode.RouteToErrorSink });

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(async () => await pipeline.ToAsyncEnumerable().ToListAsync());

        Assert.Equal("m", failure.StageName);
        Assert.Equal(9, failure.Item);
        Assert.Same(sinkError, failure.InnerException);
    }

    [Fact]
    public async Task A_throwing_sink_fails_the_pipeline_as_the_sink_with_its_item()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 10_000)).Map("m", x => x);

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(
            () => pipeline.RunAsync(x => { if (x == 4_321) { throw new InvalidDataException("full"); } }));

        Assert.Equal("sink", failure.StageName);
        Assert.Equal(4_321, failure.Item);
        Assert.IsType<InvalidDataException>(failure.InnerException);
    }

    [Fact]
    public async Task A_throwing_source_fails_the_pipeline_as_the_source_after_the_items_before_it()
    {
        static IEnumerable<int> Broken()
        {
            yield return 1;
            yield return 2;
            throw new EndOfStreamException("truncated");
        }

        var received = new List<int>();
        Pipeline<int> pipeline = Pipeline.From(Broken()).Map("m", x => x * 10);

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(() => pipeline.RunAsync(received.Add));

        Assert.Equal("source", failure.StageName);
        Assert.False(failure.HasItem);
        Assert.IsType<EndOfStreamException>(failure.InnerException);
        Assert.Equal(["Pipeline stage 'source' failed: truncated"], [failure.Message]);
    }

    [Fact]
    public async Task A_flat_map_that_throws_part_way_keeps_what_it_produced_and_routes_the_item()
    {
        static IEnumerable<int> Expand(int x)
        {
            yield return x * 10;
            if (x == 2)
            {
                throw new InvalidOperationException();
            }

            yield return (x * 10) + 1;
        }

        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions { ErrorSink = (e, ct) => { routed.Add(e); return ValueTask.CompletedTask; } };
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 4), options)
            .FlatMap("expand", Expand, new StageOptions { Errors = StageErrorMode.RouteToErrorSink });

        Assert.Equal([0, 1, 10, 11, 20, 30, 31], await pipeline.ToAsyncEnumerable().ToListAsync());
        Assert.Equal(2, Assert.Single(routed).Item);
    }
}
