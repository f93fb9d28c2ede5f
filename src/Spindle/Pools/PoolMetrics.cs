using System.Diagnostics.Metrics;

namespace Spindle.Pools;

/// <summary>
/// The pool's instruments under the meter <c>Spindle</c>. Counts are observed from the pool's own
/// fields, so the hot path pays nothing for them; only the wait-time histogram records per call,
/// and only while someone listens.
/// </summary>
internal sealed class PoolMetrics : IDisposable
{
    internal const string MeterName = "Spindle";

    private readonly Meter _meter;
    private readonly Histogram<double> _waitTime;
    private readonly KeyValuePair<string, object?> _poolTag;

    internal PoolMetrics(string poolName, Func<long> queued, Func<long> running, Func<long> completed, Func<long> failed)
    {
        _meter = new Meter(MeterName, typeof(PoolMetrics).Assembly.GetName().Version?.ToString());
        _poolTag = new KeyValuePair<string, object?>("spindle.pool.name", poolName);
        KeyValuePair<string, object?>[] tags = [_poolTag];
        _meter.CreateObservableUpDownCounter("spindle.pool.queued", () => new Measurement<long>(queued(), tags), "{call}", "Calls waiting to start.");
        _meter.CreateObservableUpDownCounter("spindle.pool.running", () => new Measurement<long>(running(), tags), "{call}", "Calls running now.");
        _meter.CreateObservableCounter("spindle.pool.completed", () => new Measurement<long>(completed(), tags), "{call}", "Calls that returned.");
        _meter.CreateObservableCounter("spindle.pool.failed", () => new Measurement<long>(failed(), tags), "{call}", "Calls that threw or were cancelled while running.");
        _waitTime = _meter.CreateHistogram<double>("spindle.pool.wait_time", "s", "Time from submit to start.");
    }

    internal bool WaitTimeEnabled => _waitTime.Enabled;

    internal void RecordWait(TimeSpan waited) => _waitTime.Record(waited.TotalSeconds, _poolTag);

    public void Dispose() => _meter.Dispose();
}
