using System.Collections.Concurrent;
using Spindle.Pools;

namespace Spindle.Tests.Pools;

public sealed class WorkerPoolMapTests
{
    private static async IAsyncEnumerable<int> CountAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 7 == 0)
            {
                await Task.Yield();
            }

            yield return i;
        }
    }

    private static IEnumerable<int> Lazily(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    [Fact]
    public async Task Map_yields_results_in_source_order_for_every_kind_of_source_and_body()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 4 });
        int[] expected = Enumerable.Range(0, 5_000).Select(x => x * 3).ToArray();

        Assert.Equal(expected, await pool.MapAsync(Lazily(5_000), x => x * 3).ToListAsync());
        Assert.Equal(expected, await pool.MapAsync(CountAsync(5_000), x => x * 3).ToListAsync());
        Assert.Equal(expected, await pool.MapAsync(Lazily(5_000), (x, ct) => ValueTask.FromResult(x * 3)).ToListAsync());
        Assert.Equal(expected, await pool.MapAsync(CountAsync(5_000), async (x, ct) => { await Task.Yield(); return x * 3; }).ToListAsync());
        Assert.Equal(expected, await pool.MapAsync(Enumerable.Range(0, 5_000).ToArray(), x => x * 3).ToArrayAsync());
        Assert.Equal(expected, await pool.MapAsync(Enumerable.Range(0, 5_000).ToList(), async (x, ct) => { await Task.Yield(); return x * 3; }).ToArrayAsync());
        Assert.Equal(expected, await pool.MapAsync(Lazily(5_000), x => x * 3).ToArrayAsync());
    }

    [Fact]
    public async Task Map_keeps_order_when_items_finish_out_of_order()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 4 });

        List<int> results = await pool.MapAsync(Lazily(200), async (x, ct) =>
        {
            // Later items finish first within each group of ten.
            for (int spin = 0; spin < 10 - (x % 10); spin++)
            {
                await Task.Yield();
            }

            return x;
        }, new MapOptions { ChunkSize = 1 }).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 200), results);
    }

    [Fact]
    public async Task An_empty_source_gives_an_empty_result()
    {
        await using var pool = WorkerPool.Create();

        Assert.Empty(await pool.MapAsync(Array.Empty<int>(), x => x).ToArrayAsync());
        Assert.Empty(await pool.MapAsync(Lazily(0), x => x).ToListAsync());
        Assert.Empty(await pool.MapUnorderedAsync(Lazily(0), x => x).ToListAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(null)]
    public async Task A_failing_item_surfaces_its_exception_at_its_position(int? chunkSize)
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        var received = new List<int>();

        var error = await Assert.ThrowsAsync<FormatException>(async () =>
        {
            await foreach (int value in pool.MapAsync(Lazily(100), x => x == 37 ? throw new FormatException($"item {x}") : x, new MapOptions { ChunkSize = chunkSize }))
            {
                received.Add(value);
            }
        });

        Assert.Equal("item 37", error.Message);
        Assert.Equal(Enumerable.Range(0, 37), received);
    }

    [Fact]
    public async Task ToArray_throws_the_first_failing_item_in_source_order()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        int[] source = Enumerable.Range(0, 1_000).ToArray();

        var error = await Assert.ThrowsAsync<FormatException>(async () =>
            await pool.MapAsync(source, x => x is 400 or 900 ? throw new FormatException($"item {x}") : x, new MapOptions { ChunkSize = 1000 }).ToArrayAsync());

        Assert.Equal("item 400", error.Message);
    }

    [Fact]
    public async Task Fail_fast_cancels_the_items_that_have_not_finished()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        int started = 0;

        // Items after #3 wait until they are cancelled; only fail-fast can end this map.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await pool.MapAsync(Lazily(50), async (x, ct) =>
            {
                Interlocked.Increment(ref started);
                if (x == 3)
                {
                    throw new InvalidOperationException("item 3 failed");
                }

                if (x > 3)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return x;
            }, new MapOptions { ChunkSize = 1 }).ToListAsync().AsTask().WaitAsync(Gate.Patience));

        Assert.Equal("item 3 failed", error.Message);
        Assert.True(started < 50, $"fail-fast should not start every item, started {started}");
    }

    [Fact]
    public async Task Fail_fast_lets_earlier_items_finish_and_stops_later_running_ones()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 8 });
        var earlier = new Gate();
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new List<int>();

        Task consume = Task.Run(async () =>
        {
            await foreach (int value in pool.MapAsync(Lazily(8), async (x, ct) =>
            {
                if (x < 5)
                {
                    await earlier.PassAsync(ct); // still running when item 5 fails; must not be cancelled
                }
                else if (x == 5)
                {
                    failed.SetResult();
                    throw new InvalidOperationException("item 5 failed");
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, ct); // after the failure: only cancellation ends these
                }

                return x;
            }, new MapOptions { ChunkSize = 1 }))
            {
                received.Add(value);
            }
        });

        await failed.Task.WaitAsync(Gate.Patience);
        earlier.Open();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => consume.WaitAsync(Gate.Patience));

        Assert.Equal("item 5 failed", error.Message);
        Assert.Equal([0, 1, 2, 3, 4], received);
    }

    [Fact]
    public async Task Collect_runs_every_item_and_keeps_each_outcome()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        var options = new MapOptions { Failures = MapFailureMode.Collect, ChunkSize = 3 };
        Func<int, int> body = x => x % 10 == 4 ? throw new ArgumentException($"item {x}") : x * 2;

        List<ItemOutcome<int>> outcomes = await pool.MapAsync(Lazily(40), body, options).Outcomes.ToListAsync();

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), outcomes.Select(o => o.Index));
        Assert.Equal([4L, 14L, 24L, 34L], outcomes.Where(o => !o.Succeeded).Select(o => o.Index));
        Assert.All(outcomes.Where(o => o.Succeeded), o => Assert.Equal(o.Index * 2, o.Value));
        Assert.All(outcomes.Where(o => !o.Succeeded), o => Assert.Equal($"item {o.Index}", o.Exception!.Message));

        var aggregate = await Assert.ThrowsAsync<AggregateException>(async () => await pool.MapAsync(Enumerable.Range(0, 40).ToArray(), body, options).ToArrayAsync());
        Assert.Equal(["item 4", "item 14", "item 24", "item 34"], aggregate.InnerExceptions.Select(e => e.Message));
    }

    [Fact]
    public async Task Unordered_map_yields_results_as_they_complete()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        var gate = new Gate();

        await using IAsyncEnumerator<int> results = pool.MapUnorderedAsync(Lazily(2), async (x, ct) =>
        {
            if (x == 0)
            {
                await gate.PassAsync(ct);
            }

            return x;
        }, new MapOptions { ChunkSize = 1 }).GetAsyncEnumerator();

        Assert.True(await results.MoveNextAsync());
        Assert.Equal(1, results.Current);
        gate.Open();
        Assert.True(await results.MoveNextAsync());
        Assert.Equal(0, results.Current);
        Assert.False(await results.MoveNextAsync());
    }

    [Fact]
    public async Task Unordered_outcomes_name_each_result_index()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 3 });

        List<ItemOutcome<int>> outcomes = await pool.MapUnorderedAsync(CountAsync(1_000), x => -x).Outcomes.ToListAsync();

        Assert.Equal(Enumerable.Range(0, 1_000), outcomes.Select(o => (int)o.Index).Order());
        Assert.All(outcomes, o => Assert.Equal(-o.Index, o.Value));
    }

    [Theory]
    [InlineData(16, null)]
    [InlineData(16, 4)]
    [InlineData(100, null)]
    public async Task The_window_bounds_the_items_in_flight_for_an_endless_source(int window, int? chunkSize)
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        long produced = 0;
        long consumed = 0;
        long maxInFlight = 0;

        IEnumerable<long> Endless()
        {
            for (long i = 0; ; i++)
            {
                long inFlight = Interlocked.Increment(ref produced) - Volatile.Read(ref consumed);
                InterlockedMax(ref maxInFlight, inFlight);
                yield return i;
            }
        }

        await foreach (long value in pool.MapAsync(Endless(), x => x + 1, new MapOptions { Window = window, ChunkSize = chunkSize }))
        {
            Assert.Equal(Volatile.Read(ref consumed) + 1, value);
            if (Interlocked.Increment(ref consumed) == 5_000)
            {
                break;
            }

            if (value % 100 == 0)
            {
                await Task.Yield(); // a consumer slower now and then
            }
        }

        Assert.InRange(maxInFlight, 1, window);
        Assert.InRange(Volatile.Read(ref produced), 5_000, 5_000 + window);

        static void InterlockedMax(ref long target, long value)
        {
            long current;
            while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    [Fact]
    public async Task Cancelling_a_map_stops_it_and_nothing_runs_after_the_loop_ends()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        using var cts = new CancellationTokenSource();
        int running = 0;
        int seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int _ in pool.MapAsync(Lazily(1_000_000), async (x, ct) =>
            {
                Interlocked.Increment(ref running);
                try
                {
                    await Task.Yield();
                    return x;
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }, new MapOptions { ChunkSize = 1 }).WithCancellation(cts.Token))
            {
                if (++seen == 10)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(0, Volatile.Read(ref running));
        Assert.Equal(10, seen); // nothing is yielded after the cancellation, even what had finished
    }

    [Fact]
    public async Task Breaking_out_of_a_map_stops_the_source()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 2 });
        int pulled = 0;

        IEnumerable<int> Counting()
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return i;
            }
        }

        await foreach (int value in pool.MapAsync(Counting(), x => x, new MapOptions { Window = 64 }))
        {
            if (value == 99)
            {
                break;
            }
        }

        Assert.InRange(Volatile.Read(ref pulled), 100, 100 + 64);
    }

    [Fact]
    public async Task A_source_that_throws_surfaces_after_the_items_before_it()
    {
        await using var pool = WorkerPool.Create();
        var received = new List<int>();

        IEnumerable<int> Broken()
        {
            yield return 1;
            yield return 2;
            throw new IOException("source broke");
        }

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (int value in pool.MapAsync(Broken(), x => x, new MapOptions { ChunkSize = 1 }))
            {
                received.Add(value);
            }
        });

        Assert.Equal("source broke", error.Message);
        Assert.Equal([1, 2], received);
    }

    [Fact]
    public async Task A_map_on_a_shut_down_pool_fails_with_ObjectDisposedException()
    {
        var pool = WorkerPool.Create();
        await pool.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.MapAsync(Lazily(10), x => x).ToListAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.MapAsync(new[] { 1, 2 }, x => x).ToArrayAsync());
    }

    [Fact]
    public async Task Map_runs_at_most_MaxConcurrency_items_at_once()
    {
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 3 });
        int running = 0;
        int peak = 0;

        await pool.MapAsync(Lazily(300), async (x, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            int seen;
            while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            await Task.Yield();
            Interlocked.Decrement(ref running);
            return x;
        }, new MapOptions { ChunkSize = 1 }).ToListAsync();

        Assert.InRange(peak, 1, 3);
    }

    [Fact]
    public async Task Issue2_a_collected_map_carries_on_when_the_queue_is_full_between_its_chunks()
    {
        // Regression: with CancelPendingOnDispose set, a runner going back into a full queue was refused
        // and the map failed as if the pool had been disposed.
        await using var pool = WorkerPool.Create(new() { MaxConcurrency = 1, QueueCapacity = 1, CancelPendingOnDispose = true });
        int[] source = Enumerable.Range(0, 100).ToArray();
        Task<Task<int>>? other = null;

        int[] results = await pool.MapAsync(source, x =>
        {
            if (x == 0)
            {
                other = pool.SubmitAsync(() => -1).AsTask(); // fills the queue (capacity 1) from inside the map
            }

            return x * 2;
        }, new MapOptions { ChunkSize = 10 }).ToArrayAsync();

        Assert.Equal(source.Select(x => x * 2), results);
        Assert.Equal(-1, await await other!);
    }

    [Fact]
    public async Task Issue2_a_collected_map_whose_queued_work_is_dropped_at_shutdown_fails_instead_of_returning_holes()
    {
        var pool = WorkerPool.Create(new() { MaxConcurrency = 1, CancelPendingOnDispose = true });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        ValueTask<int[]> map = pool.MapAsync(Enumerable.Range(0, 100).ToArray(), x => x + 1).ToArrayAsync();
        ValueTask disposal = pool.DisposeAsync();
        gate.Open();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.AsTask().WaitAsync(Gate.Patience));
        await disposal;
    }

    [Fact]
    public async Task Issue2_a_streamed_map_whose_queued_work_is_dropped_at_shutdown_ends_instead_of_hanging()
    {
        var pool = WorkerPool.Create(new() { MaxConcurrency = 1, CancelPendingOnDispose = true });
        var gate = new Gate();
        await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        Task<List<ItemOutcome<int>>> outcomes = pool.MapAsync(Lazily(100), x => x + 1).Outcomes.ToListAsync().AsTask();
        ValueTask disposal = pool.DisposeAsync();
        gate.Open();

        // It ends (it used to wait for ever for a chunk that was dropped) and says why items did not run:
        // in an outcome of a dropped chunk, or, when the shutdown came before the map queued anything, by
        // throwing. A hang fails with TimeoutException.
        try
        {
            List<ItemOutcome<int>> ended = await outcomes.WaitAsync(Gate.Patience);
            Assert.True(ended.Count(o => o.Succeeded) < 100);
            Assert.Contains(ended, o => o.Exception is ObjectDisposedException or OperationCanceledException);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
        }

        await disposal;
    }

    [Theory]
    [InlineData(0, null, "Window")]
    [InlineData(10, 0, "ChunkSize")]
    [InlineData(10, 11, "ChunkSize")]
    public async Task Invalid_map_options_are_refused_with_the_option_named(int window, int? chunk, string option)
    {
        await using var pool = WorkerPool.Create();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pool.MapAsync(Lazily(1), x => x, new MapOptions { Window = window, ChunkSize = chunk }));

        Assert.Equal(option, error.ParamName);
    }
}
