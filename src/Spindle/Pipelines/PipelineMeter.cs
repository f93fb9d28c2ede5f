using System.Diagnostics.Metrics;

namespace Spindle.Pipelines;

/// <summary>
/// A run's instruments under the meter <c>Spindle</c>, tagged with the pipeline and stage names. They are
/// observed from the run's counters, so the workers pay nothing for them.
/// </summary>
internal sealed class PipelineMeter : IDisposable
{
    private readonly Meter _meter;

    internal PipelineMeter(PipelineRun run)
    {
        _meter = new Meter("Spindle", typeof(PipelineMeter).Assembly.GetName().Version?.ToString());
        IReadOnlyList<StageCounters> rows = run.Rows;
        var tags = rows.Select(c => new KeyValuePair<string, object?>[]
        {
            new("spindle.pipeline.name", run.Options.Name),
            new("spindle.pipeline.stage", c.Name),
        }).ToArray();
        IEnumerable<Measurement<long>> Observe(Func<StageCounters, long> read) =>
            rows.Select((c, i) => new Measurement<long>(read(c), tags[i]));
        _meter.CreateObservableCounter("spindle.pipeline.items_in", () => Observe(c => Interlocked.Read(ref c.ItemsIn)), "{item}", "Items a stage took from its buffer.");
        _meter.CreateObservableCounter("spindle.pipeline.items_out", () => Observe(c => Interlocked.Read(ref c.ItemsOut)), "{item}", "Items a stage handed on.");
        _meter.CreateObservableCounter("spindle.pipeline.failed", () => Observe(c => Interlocked.Read(ref c.Failed)), "{item}", "Items a stage's delegate threw on.");
        _meter.CreateObservableUpDownCounter("spindle.pipeline.busy_workers", () => Observe(c => Volatile.Read(ref c.BusyWorkers)), "{worker}", "Workers busy with items.");
        _meter.CreateObservableCounter(
            "spindle.pipeline.busy_time",
            () => rows.Select((c, i) => (c, i)).Where(r => r.c.MeasuresBusy).Select(r => new Measurement<double>(Interlocked.Read(ref r.c.BusyTicks) / (double)run.Time.TimestampFrequency, tags[r.i])),
            "s",
            "Time a stage's workers spent on items, less time blocked downstream; over items_in it is the time per item.");
        _meter.CreateObservableUpDownCounter("spindle.pipeline.buffered", () => Observe(c => c.Depth?.Invoke() ?? 0), "{item}", "Items waiting in front of a stage.");
    }

    public void Dispose() => _meter.Dispose();
}
