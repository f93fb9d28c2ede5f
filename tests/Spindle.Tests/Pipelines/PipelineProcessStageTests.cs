using System.Collections.Concurrent;
using Spindle.Pipelines;
using Spindle.Processes;
using Spindle.Tasks;
using Spindle.Tests.Processes;

namespace Spindle.Tests.Pipelines;

/// <summary>A stage that runs its items as named-task calls on a process pool: <c>Map(pool, kind, options)</c>.</summary>
public sealed class PipelineProcessStageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public async Task Items_go_through_a_process_stage_between_thread_stages_in_order_unless_told_otherwise(int workers, bool ordered)
    {
        await using ProcessPool pool = await Workers.StartAsync();
        Pipeline<long> pipeline = Pipeline.From(Enumerable.Range(0, 500))
            .Map("widen", x => (long)x + 1, new StageOptions { Workers = 2 })
            .Map(pool, Workers.Tasks.Square, new StageOptions { Workers = workers, Ordered = ordered, Buffer = 16 })
            .Map("negate", x => -x, new StageOptions { Workers = 2 });

        List<long> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);

        IEnumerable<long> expected = Enumerable.Range(1, 500).Select(x => -(long)x * x);
        Assert.Equal(ordered ? expected : expected.Order(), ordered ? results : results.Order());
        PipelineSnapshot snapshot = pipeline.Snapshot();
        Assert.Equal(["source", "widen", "test.square", "negate", "sink"], snapshot.Stages.Select(s => s.Name));
        StageSnapshot stage = snapshot.Stages[2];
        Assert.Equal("process", stage.Kind);
        Assert.Equal(workers, stage.Workers);
        Assert.Equal(500, stage.ItemsIn);
        Assert.Equal(500, stage.ItemsOut);
        Assert.Equal(500, pool.Stats.Completed);
    }

    [Fact]
    public async Task Items_run_in_the_pools_worker_processes_not_in_this_one()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 200))
            .Map(pool, Workers.Tasks.Pid, new StageOptions { Workers = 4, Ordered = false });

        List<int> pids = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(200, pids.Count);
        HashSet<int> workerPids = [.. pool.Workers.Select(w => w.ProcessId)];
        Assert.Equal(2, workerPids.Count);
        Assert.DoesNotContain(Environment.ProcessId, workerPids);
        Assert.All(pids, pid => Assert.Contains(pid, workerPids));
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task A_handler_exception_goes_to_the_error_sink_with_the_remote_message_and_the_worker_lives()
    {
        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions { ErrorSink = (e, ct) => { routed.Add(e); return ValueTask.CompletedTask; } };
        await using ProcessPool pool = await Workers.StartAsync();
        string[] messages = ["no such customer", "bad checksum", "too late"];
        Pipeline<int> pipeline = Pipeline.From(messages, options)
            .Map(pool, Workers.Tasks.Throw, new StageOptions { Workers = 2, Errors = StageErrorMode.RouteToErrorSink });

        List<int> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Empty(results);
        Assert.Equal(messages.Order(), routed.Select(e => (string)e.Item!).Order());
        Assert.All(routed, e =>
        {
            Assert.Equal("test.throw", e.StageName);
            var remote = Assert.IsType<RemoteTaskException>(e.Exception);
            Assert.Equal((string)e.Item!, remote.Failure.Message);
            Assert.Equal(typeof(InvalidOperationException).FullName, remote.Failure.ErrorType);
        });
        Assert.Equal(3, pipeline.Snapshot().Stages.Single(s => s.Name == "test.throw").Failed);
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task A_worker_crash_fails_the_pipeline_with_the_crash_as_inner_exception_and_the_pool_carries_on()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        Pipeline<long> pipeline = Pipeline.From(Enumerable.Range(0, 30).Select(x => (long)x))
            .Map(pool, Workers.Tasks.CrashOn, new StageOptions { Workers = 2 });

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(
            () => pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience));

        Assert.Equal("test.crash-on-13", failure.StageName);
        Assert.True(failure.HasItem);
        Assert.Equal(13L, failure.Item);
        var crash = Assert.IsType<WorkerCrashedException>(failure.InnerException);
        Assert.Equal("test.crash-on-13", crash.Failure.TaskKind);
        Assert.Contains("item 13 is poison", crash.Reason, StringComparison.Ordinal);
        Assert.Contains("'test.crash-on-13' failed on item 13", failure.Message, StringComparison.Ordinal);
        Assert.False(pipeline.Snapshot().IsRunning);

        Assert.Equal(1, pool.Stats.Crashed);
        Assert.Equal(7L, await (await pool.SubmitAsync(Workers.Tasks.Echo, 7L)).WaitAsync(Patience));
        List<long> again = await Pipeline.From(Enumerable.Range(0, 13).Select(x => (long)x))
            .Map(pool, Workers.Tasks.CrashOn, new StageOptions { Workers = 2 })
            .ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 13).Select(x => 2L * x), again);
    }

    [Fact]
    public async Task A_routed_worker_crash_fails_only_its_item_and_the_rest_keep_their_order()
    {
        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions { ErrorSink = (e, ct) => { routed.Add(e); return ValueTask.CompletedTask; } };
        await using ProcessPool pool = await Workers.StartAsync();
        Pipeline<long> pipeline = Pipeline.From(Enumerable.Range(0, 30).Select(x => (long)x), options)
            .Map(pool, Workers.Tasks.CrashOn, new StageOptions { Workers = 2, Errors = StageErrorMode.RouteToErrorSink });

        List<long> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 30).Where(x => x != 13).Select(x => 2L * x), results);
        StageError error = Assert.Single(routed);
        Assert.Equal(13L, error.Item);
        Assert.IsType<WorkerCrashedException>(error.Exception);
        Assert.Equal(1, pool.Stats.WorkersLost);
    }

    [Fact]
    public async Task Cancelling_mid_stream_cancels_the_calls_in_the_worker_processes_and_stops_every_stage()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        using var cts = new CancellationTokenSource();
        var sourceStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The first 20 items sleep 0 ms; every later one 10 minutes, so only cancellation can end the run in time.
        Pipeline<int> pipeline = Pipeline.From(CountingSource.Endless(sourceStopped))
            .Map("delay", x => x < 20 ? 0 : 600_000)
            .Map(pool, Workers.Tasks.Sleep, new StageOptions { Workers = 2, Buffer = 8 });

        var received = new List<int>();
        Task consumed = Task.Run(async () =>
        {
            await foreach (int x in pipeline.ToAsyncEnumerable(cts.Token))
            {
                received.Add(x);
                if (received.Count == 20)
                {
                    Assert.True(await EventuallyAsync(() => pool.Workers.Sum(w => w.CallsInFlight) == 2), "two long calls should be in the worker processes");
                    await cts.CancelAsync();
                }
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumed.WaitAsync(Patience));

        Assert.Equal(Enumerable.Repeat(0, 20), received);
        Assert.True(sourceStopped.Task.IsCompleted, "the source should have been stopped");
        PipelineSnapshot snapshot = pipeline.Snapshot();
        Assert.False(snapshot.IsRunning);
        Assert.All(snapshot.Stages, s => Assert.Equal(0, s.BusyWorkers));

        // The run waited for its calls, which ended on their token in the workers: none was killed.
        Assert.Equal(0, pool.Workers.Sum(w => w.CallsInFlight));
        Assert.Equal(0, pool.Stats.WorkersLost);
        Assert.Equal(5, await (await pool.SubmitAsync(Workers.Tasks.Sleep, 5)).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_process_stage_is_named_after_its_kind_and_by_default_keeps_two_calls_per_process_in_flight()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        Pipeline<long> source = Pipeline.From(Enumerable.Range(1, 10).Select(x => (long)x));

        Pipeline<long> pipeline = source
            .Map(pool, Workers.Tasks.Square)
            .Map("square again", pool, Workers.Tasks.Square, new StageOptions { Workers = 3 });
        List<long> results = await pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(1, 10).Select(x => (long)x * x * x * x), results);
        PipelineSnapshot snapshot = pipeline.Snapshot();
        Assert.Equal([("test.square", 4), ("square again", 3)], snapshot.Stages.Skip(1).Take(2).Select(s => (s.Name, s.Workers)));

        ArgumentException duplicate = Assert.Throws<ArgumentException>(() => source.Map(pool, Workers.Tasks.Square).Map(pool, Workers.Tasks.Square));
        Assert.Contains("'test.square'", duplicate.Message, StringComparison.Ordinal);

        var elsewhere = new TaskCatalog().Add("other.double", (long x, TaskContext _) => 2 * x);
        TaskArgumentException unknown = Assert.Throws<TaskArgumentException>(() => source.Map(pool, elsewhere));
        Assert.Contains("'other.double' is not in the catalog", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => source.Map(null!, Workers.Tasks.Square));
        Assert.Throws<ArgumentNullException>(() => source.Map<long>(pool, null!));
    }

    [Fact]
    public async Task A_pool_that_was_shut_down_fails_the_run_even_when_errors_are_routed()
    {
        var routed = new ConcurrentBag<StageError>();
        var options = new PipelineOptions { ErrorSink = (e, ct) => { routed.Add(e); return ValueTask.CompletedTask; } };
        ProcessPool pool = await Workers.StartAsync();
        Pipeline<long> pipeline = Pipeline.From(Enumerable.Range(0, 100).Select(x => (long)x), options)
            .Map(pool, Workers.Tasks.Echo, new StageOptions { Workers = 2, Errors = StageErrorMode.RouteToErrorSink });
        await pool.DisposeAsync();

        PipelineStageException failure = await Assert.ThrowsAsync<PipelineStageException>(
            () => pipeline.ToAsyncEnumerable().ToListAsync().AsTask().WaitAsync(Patience));

        Assert.Equal("test.echo", failure.StageName);
        Assert.IsType<ObjectDisposedException>(failure.InnerException);
        Assert.Empty(routed);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, up to <see cref="Patience"/>: the worker processes have no hook to signal the test.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        long deadline = TimeProvider.System.GetTimestamp() + (long)(Patience.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
