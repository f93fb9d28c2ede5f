using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Spindle.Pools;

namespace Spindle.Tests.Pools;

public sealed class WorkerPoolSubmitTests
{
    [Fact]
    public async Task Submit_returns_the_result_of_sync_and_async_calls()
    {
        await using var pool = WorkerPool.Create();

        Task<int> sync = await pool.SubmitAsync(() => 6 * 7);
        Task<string> async = await pool.SubmitAsync(async ct =>
        {
            await Task.Yield();
            return "done";
        });

        Assert.Equal(42, await sync);
        Assert.Equal("done", await async);
    }

    [Fact]
    public async Task A_failing_call_faults_its_task_with_the_original_exception()
    {
        await using var pool = WorkerPool.Create();

        Task<int> call = await pool.SubmitAsync<int>(() => throw new InvalidOperationException("boom"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call);
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task Higher_priority_runs_first_and_equal_priorities_run_in_submit_order()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, AgingRate = 0 });
        var gate = new Gate();
        var order = new ConcurrentQueue<string>();
        Task<int> blocker = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        var calls = new List<Task<int>>();
        foreach ((string name, int priority) in new[] { ("low", 1), ("urgent-a", 5), ("mid", 3), ("urgent-b", 5), ("lowest", 0) })
        {
            calls.Add(await pool.SubmitAsync(() => { order.Enqueue(name); return 0; }, priority));
        }

        gate.Open();
        await Task.WhenAll(calls).WaitAsync(Gate.Patience);

        Assert.Equal(["urgent-a", "urgent-b", "mid", "low", "lowest"], order);
    }

    [Theory]
    [InlineData(1.0, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 10, 11, 12 })]
    [InlineData(0.0, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0 })]
    public async Task Aging_lets_a_waiting_low_priority_call_overtake_newer_urgent_ones(double agingRate, int[] expected)
    {
        var time = new FakeTimeProvider();
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, AgingRate = agingRate, TimeProvider = time });
        var gate = new Gate();
        var order = new ConcurrentQueue<int>();
        Task<int> blocker = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        // Call 0 has priority 0 and waits from t=0; call i has priority 10 and arrives at t=i seconds.
        var calls = new List<Task<int>> { await pool.SubmitAsync(() => { order.Enqueue(0); return 0; }, priority: 0) };
        for (int i = 1; i <= 12; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            int id = i;
            calls.Add(await pool.SubmitAsync(() => { order.Enqueue(id); return 0; }, priority: 10));
        }

        gate.Open();
        await Task.WhenAll(calls).WaitAsync(Gate.Patience);

        Assert.Equal(expected, order);
    }

    [Theory]
    [InlineData(1.0, 10)]
    [InlineData(0.0, 50)]
    public async Task Aging_ends_starvation_under_an_endless_stream_of_urgent_calls(double agingRate, int expectedPosition)
    {
        var time = new FakeTimeProvider();
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, AgingRate = agingRate, TimeProvider = time });
        var gate = new Gate();
        var order = new ConcurrentQueue<string>();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int urgentLeft = 50;
        int finished = 0;
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        await pool.SubmitAsync(() => { order.Enqueue("low"); Done(); return 0; }, priority: 0);
        await SubmitUrgentAsync();
        gate.Open();
        await allDone.Task.WaitAsync(Gate.Patience);

        Assert.Equal(expectedPosition, order.ToList().IndexOf("low"));

        // Each urgent call, as it runs, lets a second pass and submits the next urgent call: an endless stream.
        async Task SubmitUrgentAsync() => await pool.SubmitAsync(async ct =>
        {
            order.Enqueue("urgent");
            time.Advance(TimeSpan.FromSeconds(1));
            if (Interlocked.Decrement(ref urgentLeft) > 0)
            {
                await SubmitUrgentAsync();
            }

            Done();
            return 0;
        }, priority: 10);

        void Done()
        {
            if (Interlocked.Increment(ref finished) == 51)
            {
                allDone.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Cancelling_a_pending_call_removes_it_and_it_never_runs()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, QueueCapacity = 1 });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        using var cts = new CancellationTokenSource();
        bool ran = false;

        Task<int> pending = await pool.SubmitAsync(() => { ran = true; return 1; }, cancellationToken: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.True(pending.IsCanceled);

        // Its place in the queue (capacity 1) is free again: this submit does not wait.
        ValueTask<Task<int>> next = pool.SubmitAsync(() => 2);
        Assert.True(next.IsCompletedSuccessfully);
        gate.Open();
        Assert.Equal(2, await await next);
        Assert.False(ran);
    }

    [Fact]
    public async Task Cancelling_a_running_call_signals_its_token()
    {
        await using var pool = WorkerPool.Create();
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<int> running = await pool.SubmitAsync(async ct =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, cancellationToken: cts.Token);
        await started.Task.WaitAsync(Gate.Patience);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Gate.Patience));
        Assert.True(running.IsCanceled);
    }

    [Fact]
    public async Task Submitting_waits_while_the_queue_is_full()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, QueueCapacity = 2 });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        Assert.True(pool.SubmitAsync(() => 1).IsCompletedSuccessfully);
        Assert.True(pool.SubmitAsync(() => 2).IsCompletedSuccessfully);
        ValueTask<Task<int>> third = pool.SubmitAsync(() => 3);
        Assert.False(third.IsCompleted);

        gate.Open();
        Task<int> call = await third.AsTask().WaitAsync(Gate.Patience);
        Assert.Equal(3, await call);
    }

    [Fact]
    public async Task A_submit_waiting_for_room_can_be_cancelled()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, QueueCapacity = 1 });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        await pool.SubmitAsync(() => 1);
        using var cts = new CancellationTokenSource();

        ValueTask<Task<int>> waiting = pool.SubmitAsync(() => 2, cancellationToken: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Gate.Patience));
        gate.Open();
    }

    [Fact]
    public async Task Dispose_waits_for_running_and_pending_calls_by_default()
    {
        var pool = WorkerPool.Create(new() { MaxConcurrency = 1 });
        var gate = new Gate();
        Task<int> running = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        Task<int> pending = await pool.SubmitAsync(() => 7);

        ValueTask disposal = pool.DisposeAsync();
        Assert.False(disposal.IsCompleted);
        gate.Open();
        await disposal.AsTask().WaitAsync(Gate.Patience);

        Assert.True(running.IsCompletedSuccessfully);
        Assert.Equal(7, await pending);
    }

    [Fact]
    public async Task Dispose_with_CancelPendingOnDispose_cancels_pending_calls_and_finishes_running_ones()
    {
        var pool = WorkerPool.Create(new() { MaxConcurrency = 1, CancelPendingOnDispose = true });
        var gate = new Gate();
        Task<int> running = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        Task<int> pending = await pool.SubmitAsync(() => 7);

        ValueTask disposal = pool.DisposeAsync();
        Assert.True(pending.IsCanceled);
        Assert.False(disposal.IsCompleted);
        gate.Open();
        await disposal.AsTask().WaitAsync(Gate.Patience);

        Assert.True(running.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Submitting_after_shutdown_throws_ObjectDisposedException_naming_the_pool()
    {
        var pool = WorkerPool.Create(new() { Name = "thumbnails" });
        await pool.DisposeAsync();
        await pool.DisposeAsync(); // a second dispose is harmless

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.SubmitAsync(() => 1));
        Assert.Contains("'thumbnails' has been shut down", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Issue2_every_kind_of_submit_after_shutdown_throws_ObjectDisposedException(bool cancelPendingOnDispose)
    {
        var pool = WorkerPool.Create(new() { Name = "late", CancelPendingOnDispose = cancelPendingOnDispose });
        await pool.DisposeAsync();
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.SubmitAsync(() => 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.SubmitAsync(() => 1, cancellationToken: cts.Token));
        var error = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.SubmitAsync(ct => ValueTask.FromResult(1)));
        Assert.Contains("'late' has been shut down", error.Message);
    }

    [Fact]
    public async Task A_submit_waiting_for_room_fails_when_the_pool_shuts_down()
    {
        var pool = WorkerPool.Create(new() { MaxConcurrency = 1, QueueCapacity = 1, CancelPendingOnDispose = true });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        await pool.SubmitAsync(() => 1);
        ValueTask<Task<int>> waiting = pool.SubmitAsync(() => 2);

        ValueTask disposal = pool.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.AsTask().WaitAsync(Gate.Patience));
        gate.Open();
        await disposal;
    }

    [Fact]
    public void An_empty_name_or_a_missing_clock_is_refused_with_the_option_named()
    {
        var name = Assert.ThrowsAny<ArgumentException>(() => WorkerPool.Create(new() { Name = " " }));
        Assert.Equal("Name", name.ParamName);
        Assert.Contains("WorkerPoolOptions.Name", name.Message);

        var clock = Assert.Throws<ArgumentNullException>(() => WorkerPool.Create(new() { TimeProvider = null! }));
        Assert.Equal("TimeProvider", clock.ParamName);
        Assert.Contains("WorkerPoolOptions.TimeProvider", clock.Message);
    }

    [Theory]
    [InlineData(0, 10, 1.0, "MaxConcurrency")]
    [InlineData(5000, 10, 1.0, "MaxConcurrency")]
    [InlineData(2, 0, 1.0, "QueueCapacity")]
    [InlineData(2, 10, -1.0, "AgingRate")]
    [InlineData(2, 10, double.NaN, "AgingRate")]
    public void Invalid_options_are_refused_with_the_option_named(int concurrency, int capacity, double aging, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            WorkerPool.Create(new() { MaxConcurrency = concurrency, QueueCapacity = capacity, AgingRate = aging }));

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"WorkerPoolOptions.{option}", error.Message);
    }
}
