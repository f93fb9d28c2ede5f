using System.Diagnostics;
using Spindle.Pools;

namespace Spindle.Tests.Pools;

public sealed class ChunkSizerTests
{
    [Fact]
    public void Before_any_measurement_items_go_one_at_a_time()
    {
        var sizer = new ChunkSizer(null, window: 8192, workers: 2);

        Assert.False(sizer.HasMeasurement);
        Assert.Equal(1, sizer.NextSize());
    }

    [Fact]
    public void Cheap_items_are_chunked_up_to_the_cap_and_slow_ones_go_alone()
    {
        var cheap = new ChunkSizer(null, window: 8192, workers: 2);
        cheap.Record(items: 1000, elapsedTicks: (long)(1000 * 10e-9 * Stopwatch.Frequency)); // 10 ns each
        Assert.Equal(8192 / 4, cheap.NextSize());

        var slow = new ChunkSizer(null, window: 8192, workers: 2);
        slow.Record(items: 1, elapsedTicks: (long)(5e-3 * Stopwatch.Frequency)); // 5 ms each
        Assert.Equal(1, slow.NextSize());

        var medium = new ChunkSizer(null, window: 8192, workers: 2);
        medium.Record(items: 10, elapsedTicks: (long)(10 * 2e-6 * Stopwatch.Frequency)); // 2 µs each
        Assert.Equal(100, medium.NextSize()); // 200 µs per chunk
    }

    [Fact]
    public void A_fixed_chunk_size_wins()
    {
        var sizer = new ChunkSizer(7, window: 8192, workers: 2);

        Assert.True(sizer.HasMeasurement);
        Assert.Equal(7, sizer.NextSize());
    }
}
