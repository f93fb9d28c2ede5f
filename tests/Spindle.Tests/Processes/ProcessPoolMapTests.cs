using System.Runtime.CompilerServices;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

/// <summary>Maps over worker processes: integer tasks travel as raw numbers, others as JSON; both behave the same.</summary>
public sealed class ProcessPoolMapTests
{
    [Fact]
    public async Task IntegerMap_AndJsonMap_ReturnTheSameOrderedResults()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        long[] numbers = [.. Enumerable.Range(-50_000, 100_000).Select(i => (long)i * 46_337)];
        Assert.Equal(numbers.Select(x => x * x), await pool.MapAsync(Workers.Tasks.Square, numbers).ToArrayAsync());

        string[] words = [.. Enumerable.Range(0, 5_000).Select(i => $"word-{i}-é")];
        Assert.Equal(words.Select(w => w.ToUpperInvariant()), await pool.MapAsync(Workers.Tasks.Text, words).ToArrayAsync());
    }

    [Fact]
    public async Task Issue3_AFewItems_GoOnePerCall_SpreadOverTheWorkers()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        int[] pids = await pool.MapAsync(Workers.Tasks.Pid, [1, 2, 3, 4, 5, 6]).ToArrayAsync();
        Assert.Equal(2, pids.Distinct().Count());
    }

    [Fact]
    public async Task Issue3_ToArrayAsync_NeverResumesItsCallerOnAReaderThread()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        for (int i = 0; i < 20; i++)
        {
            await pool.MapAsync(Workers.Tasks.Square, Enumerable.Range(0, 5000).Select(x => (long)x).ToArray()).ToArrayAsync();
            Assert.DoesNotContain("Spindle pool reader", Thread.CurrentThread.Name ?? string.Empty, StringComparison.Ordinal);
            await Assert.ThrowsAsync<RemoteTaskException>(async () => await pool.MapAsync(Workers.Tasks.FailOn7, Enumerable.Range(0, 5000).Select(x => (long)x).ToArray()).ToArrayAsync());
            Assert.DoesNotContain("Spindle pool reader", Thread.CurrentThread.Name ?? string.Empty, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExtremeIntegers_RoundTrip()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1));
        long[] extremes = [long.MinValue, long.MaxValue, 0, -1, 1];
        Assert.Equal(extremes, await pool.MapAsync(Workers.Tasks.Echo, extremes).ToArrayAsync());
        Assert.Equal(long.MinValue, await await pool.SubmitAsync(Workers.Tasks.Echo, long.MinValue));
    }

    [Fact]
    public async Task FailFast_ThrowsTheFirstFailure_AtItsPosition()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        var seen = new List<long>();
        var error = await Assert.ThrowsAsync<RemoteTaskException>(async () =>
        {
            await foreach (long value in pool.MapAsync(Workers.Tasks.FailOn7, Enumerable.Range(0, 1000).Select(i => (long)i).ToList(), new MapOptions { ChunkSize = 4 }))
            {
                seen.Add(value);
            }
        });

        Assert.Equal("seven is refused", error.Failure.Message);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task Collect_RunsEveryItem_AndReportsEachFailureInOrder()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        long[] source = [.. Enumerable.Range(0, 100).Select(i => (long)(i % 10))];
        var error = await Assert.ThrowsAsync<AggregateException>(async () => await pool.MapAsync(Workers.Tasks.FailOn7, source, new MapOptions { Failures = MapFailureMode.Collect }).ToArrayAsync());
        Assert.Equal(10, error.InnerExceptions.Count);
        Assert.All(error.InnerExceptions, e => Assert.Equal("seven is refused", Assert.IsType<RemoteTaskException>(e).Failure.Message));
    }

    [Fact]
    public async Task Unordered_ReturnsEveryItemOnce_WithItsIndex()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        var outcomes = new List<ItemOutcome<long>>();
        await foreach (ItemOutcome<long> outcome in pool.MapUnorderedAsync(Workers.Tasks.Square, Enumerable.Range(0, 10_000).Select(i => (long)i)).Outcomes)
        {
            outcomes.Add(outcome);
        }

        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i), outcomes.Select(o => o.Index).Order());
        Assert.All(outcomes, o => Assert.Equal(o.Index * o.Index, o.Value));
    }

    [Fact]
    public async Task AnEndlessSource_IsReadNoFurtherThanTheWindow()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        var source = new CountingSource();
        int taken = 0;
        await foreach (long value in pool.MapAsync(Workers.Tasks.Echo, source, new MapOptions { Window = 1000 }))
        {
            Assert.Equal(taken, value);
            if (++taken == 5000)
            {
                break;
            }
        }

        Assert.InRange(source.Read, 5000, 5000 + 1000);
    }

    [Fact]
    public async Task AsyncSource_IsMapped()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i * i), await pool.MapAsync(Workers.Tasks.Square, Numbers(300)).ToArrayAsync());
    }

    [Fact]
    public async Task CancellingAMap_StopsIt_AndTheWorkersLetGo()
    {
        await using ProcessPool pool = await Workers.StartAsync();
        using var cancel = new CancellationTokenSource();
        int taken = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int _ in pool.MapAsync(Workers.Tasks.Sleep, Enumerable.Repeat(50, 400), new MapOptions { ChunkSize = 1 }, cancel.Token))
            {
                if (++taken == 4)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.InRange(taken, 4, 8);
        Assert.All(pool.Workers, w => Assert.Equal(0, w.CallsInFlight));
        Assert.Equal(0, pool.Stats.WorkersLost);
    }

    private static async IAsyncEnumerable<long> Numbers(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
        }
    }

    private sealed class CountingSource : IEnumerable<long>
    {
        internal int Read;

        public IEnumerator<long> GetEnumerator()
        {
            for (long i = 0; ; i++)
            {
                Interlocked.Increment(ref Read);
                yield return i;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
