using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineBackPressureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_blocked_sink_fills_every_buffer_to_its_bound_and_no_further()
    {
        // Stage buffers of 40 and 24 items, 2 workers on the second stage, an output buffer of 16.
        int[] capacities = [40, 24, 16];
        int[] readers = [1, 2, 1];
        int[] segments = [.. capacities.Select((c, i) => Math.Clamp(c / (4 * readers[i]), 1, 256))];
        string[] names = ["parse", "transform", "sink"];
        Pipeline<int>? pipeline = null;
        var saturated = new TaskCompletionSource<PipelineSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new PipelineOptions
        {
            OutputBuffer = capacities[2],

            // Each time a writer finds its buffer full: are all buffers within a segment of their bound?
            WriterWaiting = _ =>
            {
                PipelineSnapshot? now = pipeline?.Snapshot();
                if (now is not null && names.Select((n, i) => now.Stages.SingleOrDefault(s => s.Name == n) is { } row && row.Buffered > capacities[i] - segments[i]).All(full => full))
                {
                    saturated.TrySetResult(now);
                }
            },
        };
        var source = new CountingSource(100_000);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long delivered = 0;
        long worstInFlight = 0;
        pipeline = Pipeline.From(source.Items(), options)
            .Map("parse", x => x + 1, new StageOptions { Buffer = capacities[0] })
            .Map("transform", x => x * 2, new StageOptions { Buffer = capacities[1], Workers = readers[1] });

        Task run = pipeline.RunAsync(async (x, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            long inFlight = source.Pulled - Interlocked.Increment(ref delivered);
            InterlockedMax(ref worstInFlight, inFlight);
        });

        // With the sink held, the buffers fill until every writer waits: the source on "parse", "parse" on
        // "transform", "transform" on the sink's buffer. If a buffer were unbounded this would never happen.
        PipelineSnapshot held = await saturated.Task.WaitAsync(Patience);
        int pulledWhileHeld = source.Pulled;
        gate.TrySetResult();
        await run.WaitAsync(Patience);

        // Items in flight: the buffers, plus at most one segment in the hands of each writer and each reader.
        int bound = capacities.Sum() + segments[0] + (segments[0] + segments[1]) + (readers[1] * (segments[1] + segments[2])) + segments[2];
        Assert.InRange(pulledWhileHeld, capacities.Sum() - segments.Sum() + 3, bound);
        Assert.InRange(worstInFlight, 0, bound);
        Assert.Equal(100_000, Interlocked.Read(ref delivered));

        for (int i = 0; i < names.Length; i++)
        {
            StageSnapshot row = held.Stages.Single(s => s.Name == names[i]);
            Assert.Equal(capacities[i], row.BufferCapacity);
            Assert.InRange(row.Buffered, 0, capacities[i]);
            StageSnapshot after = pipeline.Snapshot().Stages.Single(s => s.Name == names[i]);
            Assert.InRange(after.PeakBuffered, 1, capacities[i]);
        }
    }

    [Fact]
    public async Task Memory_stays_bounded_for_a_source_far_larger_than_the_buffers()
    {
        var source = new CountingSource(2_000_000);
        long worst = 0;
        long delivered = 0;
        Pipeline<int> pipeline = Pipeline.From(source.Items(), new PipelineOptions { OutputBuffer = 64 })
            .Map("a", x => x, new StageOptions { Buffer = 64 })
            .Filter("b", x => true, new StageOptions { Buffer = 64, Workers = 2, Ordered = false });

        await pipeline.RunAsync(x => InterlockedMax(ref worst, source.Pulled - ++delivered));

        Assert.Equal(2_000_000, delivered);
        Assert.InRange(worst, 0, 3 * 64 * 4);
    }

    [Fact]
    public async Task An_ordered_flat_map_with_several_workers_stays_bounded_however_many_items_one_item_makes()
    {
        // Four inputs of 50,000 items each, one input per slot (input segments of 1), two workers, output
        // segments of 16. Before slots were bounded, the second worker piled up all of its input's output.
        const int Workers = 2;
        const int Output = 64;
        const int Segment = Output / 4;
        long produced = 0;
        long delivered = 0;
        long worst = 0;
        IEnumerable<int> Many(int input)
        {
            for (int i = 0; i < 50_000; i++)
            {
                InterlockedMax(ref worst, Interlocked.Increment(ref produced) - Volatile.Read(ref delivered));
                yield return (input * 50_000) + i;
            }
        }

        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 4), new PipelineOptions { OutputBuffer = Output })
            .FlatMap("many", Many, new StageOptions { Workers = Workers, Buffer = 8 });

        int expected = 0;
        bool inOrder = true;
        await pipeline.RunAsync(x =>
        {
            inOrder &= x == expected++;
            Interlocked.Increment(ref delivered);
        }).WaitAsync(Patience);

        // Made but not yet delivered: the output buffer, a segment with the sequencer and one with the sink,
        // and per live slot (at most 2 × workers queued plus the head) two segments and a worker's waiting
        // one, plus the segment each worker is filling.
        int bound = Output + (2 * Segment) + (((2 * Workers) + 1) * (OrderedSlot<int>.Room + 1) * Segment) + (Workers * Segment);
        Assert.True(inOrder);
        Assert.Equal(200_000, Interlocked.Read(ref delivered));
        Assert.InRange(Interlocked.Read(ref worst), 1, bound);
    }

    [Fact]
    public async Task A_batch_stage_holds_at_most_its_partial_batch_beyond_the_buffers()
    {
        // The output buffer counts batches: 4 batches of 100 items.
        const int Size = 100;
        const int Buffer = 64;
        const int OutputBatches = 4;
        var source = new CountingSource(100_000);
        long delivered = 0;
        long worst = 0;
        Pipeline<int[]> pipeline = Pipeline.From(source.Items(), new PipelineOptions { OutputBuffer = OutputBatches })
            .Batch("rows", Size, new StageOptions { Buffer = Buffer });

        await pipeline.RunAsync(async (batch, ct) =>
        {
            await Task.Yield();
            InterlockedMax(ref worst, source.Pulled - Interlocked.Add(ref delivered, batch.Length));
        }).WaitAsync(Patience);

        // The source's segment, the batch stage's buffer and the segment it is reading, its partial batch, the
        // output buffer, the batch waiting to enter it and the one with the sink.
        int bound = (Buffer / 4) + Buffer + (Buffer / 4) + Size + (OutputBatches * Size) + Size + Size;
        Assert.Equal(100_000, Interlocked.Read(ref delivered));
        Assert.InRange(Interlocked.Read(ref worst), 0, bound);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
