using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Spindle.Pipelines;

namespace Spindle.Tests.Pipelines;

public sealed class PipelineSnapshotTests
{
    [Fact]
    public async Task A_finished_run_counts_every_item_in_and_out_of_every_stage()
    {
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 10_000), new PipelineOptions { Name = "counts" })
            .Map("double", x => x * 2, new StageOptions { Workers = 2 })
            .Filter("quarter", x => x % 8 == 0)
            .FlatMap("pair", x => new[] { x, x });

        Assert.Empty(pipeline.Snapshot().Stages);
        await pipeline.RunAsync(_ => { });
        PipelineSnapshot snapshot = pipeline.Snapshot();

        Assert.Equal("counts", snapshot.Name);
        Assert.False(snapshot.IsRunning);
        (string, long, long)[] counts = [.. snapshot.Stages.Select(s => (s.Name, s.ItemsIn, s.ItemsOut))];
        Assert.Equal([("source", 0L, 10_000L), ("double", 10_000, 10_000), ("quarter", 10_000, 2_500), ("pair", 2_500, 5_000), ("sink", 5_000, 5_000)], counts);
        Assert.All(snapshot.Stages, s => Assert.Equal(0, s.Buffered));
        Assert.Equal(2, snapshot.Stages.Single(s => s.Name == "double").Workers);
    }

    [Fact]
    public async Task The_slow_stage_shows_as_the_bottleneck_with_its_time_per_item()
    {
        // Only the slow stage moves the clock, so all measured busy time is its own.
        var time = new FakeTimeProvider();
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 200), new PipelineOptions { TimeProvider = time, Name = "tour" })
            .Map("read", x => x)
            .Map("slow", x =>
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                return x;
            })
            .Map("write", x => x);

        await pipeline.RunAsync(_ => { });
        PipelineSnapshot snapshot = pipeline.Snapshot();

        Assert.Equal("slow", snapshot.Bottleneck?.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(1), snapshot.Stages.Single(s => s.Name == "slow").TimePerItem);
        string table = snapshot.ToString();
        string slowLine = Assert.Single(table.Split('\n'), line => line.StartsWith("slow", StringComparison.Ordinal));
        Assert.EndsWith("<- bottleneck", slowLine.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("1000.00", slowLine, StringComparison.Ordinal);
        Assert.Contains("pipeline 'tour', finished", table, StringComparison.Ordinal);
        Assert.Equal(1, table.Split('\n').Count(line => line.Contains("bottleneck", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_snapshot_taken_while_running_shows_busy_workers_and_the_items_so_far()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 100))
            .Map("held", async (x, ct) =>
            {
                if (x == 10)
                {
                    entered.TrySetResult();
                    await gate.Task.WaitAsync(ct);
                }

                return x;
            });

        Task run = pipeline.RunAsync(_ => { });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        PipelineSnapshot during = pipeline.Snapshot();
        gate.TrySetResult();
        await run;

        Assert.True(during.IsRunning);
        StageSnapshot held = during.Stages.Single(s => s.Name == "held");
        Assert.Equal(1, held.BusyWorkers);
        Assert.InRange(held.ItemsOut, 0, 10);
        Assert.Contains("running", during.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stage_counts_are_published_as_instruments_of_the_Spindle_meter()
    {
        var seen = new Dictionary<(string Instrument, string Stage), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Spindle" && instrument.Name.StartsWith("spindle.pipeline.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            string stage = "";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "spindle.pipeline.stage")
                {
                    stage = (string)tag.Value!;
                }
            }

            lock (seen)
            {
                seen[(instrument.Name, stage)] = value;
            }
        });
        listener.Start();

        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000)).Filter("odd", x => x % 2 == 1);
        int received = 0;
        await pipeline.RunAsync(x =>
        {
            if (++received == 500)
            {
                // The last item: everything upstream has been counted.
                listener.RecordObservableInstruments();
            }
        });

        Assert.Equal(1_000, seen[("spindle.pipeline.items_in", "odd")]);
        Assert.Equal(500, seen[("spindle.pipeline.items_out", "odd")]);
        Assert.Equal(0, seen[("spindle.pipeline.failed", "odd")]);
        Assert.True(seen.ContainsKey(("spindle.pipeline.buffered", "odd")));
        Assert.True(seen.ContainsKey(("spindle.pipeline.busy_workers", "sink")));
    }

    [Fact]
    public async Task Busy_time_is_published_per_stage_and_the_enumerated_output_counts_its_items_out()
    {
        var time = new FakeTimeProvider();
        var busy = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Spindle" && instrument.Name == "spindle.pipeline.busy_time")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "spindle.pipeline.stage")
                {
                    lock (busy)
                    {
                        busy[(string)tag.Value!] = value;
                    }
                }
            }
        });
        listener.Start();

        // The one worker of "slow" is the only thing that moves the clock: 1 ms per item, 1 s in all.
        Pipeline<int> pipeline = Pipeline.From(Enumerable.Range(0, 1_000), new PipelineOptions { TimeProvider = time })
            .Map("slow", x =>
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                return x;
            });
        int received = 0;
        await foreach (int x in pipeline.ToAsyncEnumerable())
        {
            if (++received == 1_000)
            {
                listener.RecordObservableInstruments();
            }
        }

        Assert.Equal(1.0, busy["slow"], 6);
        Assert.False(busy.ContainsKey("source"));
        StageSnapshot sink = pipeline.Snapshot().Stages.Single(s => s.Name == "sink");
        Assert.Equal(1_000, sink.ItemsIn);
        Assert.Equal(1_000, sink.ItemsOut);

        // Leaving early counts what the consumer was handed.
        int taken = 0;
        await foreach (int x in pipeline.ToAsyncEnumerable())
        {
            if (++taken == 10)
            {
                break;
            }
        }

        Assert.Equal(10, pipeline.Snapshot().Stages.Single(s => s.Name == "sink").ItemsOut);
    }
}
