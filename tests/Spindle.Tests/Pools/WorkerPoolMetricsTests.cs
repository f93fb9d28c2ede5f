using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Spindle.Pools;

namespace Spindle.Tests.Pools;

public sealed class WorkerPoolMetricsTests
{
    [Fact]
    public async Task The_pool_reports_queued_running_completed_failed_and_wait_time_under_the_Spindle_meter()
    {
        string name = $"metrics-{Guid.NewGuid():N}";
        var time = new FakeTimeProvider();
        var values = new ConcurrentDictionary<string, double>();
        var waits = new ConcurrentBag<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Spindle")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (IsOurs(tags))
            {
                values[instrument.Name] = value;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (IsOurs(tags) && instrument.Name == "spindle.pool.wait_time")
            {
                waits.Add(value);
            }
        });
        listener.Start();

        await using var pool = WorkerPool.Create(new() { Name = name, MaxConcurrency = 1, TimeProvider = time });
        var gate = new Gate();
        Task<int> running = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;
        Task<int> ok = await pool.SubmitAsync(() => 1);
        Task<int> bad = await pool.SubmitAsync<int>(() => throw new InvalidOperationException("no"));
        time.Advance(TimeSpan.FromSeconds(3)); // the two queued calls wait three (fake) seconds

        listener.RecordObservableInstruments();
        Assert.Equal(2, values["spindle.pool.queued"]);
        Assert.Equal(1, values["spindle.pool.running"]);

        gate.Open();
        await running;
        await ok;
        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);

        // Observed from inside a last call: the single worker has counted every call before it.
        await await pool.SubmitAsync(() =>
        {
            listener.RecordObservableInstruments();
            return 0;
        });

        Assert.Equal(0, values["spindle.pool.queued"]);
        Assert.Equal(1, values["spindle.pool.running"]);
        Assert.Equal(2, values["spindle.pool.completed"]);
        Assert.Equal(1, values["spindle.pool.failed"]);
        Assert.Equal(2, waits.Count(w => w == 3.0));

        bool IsOurs(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "spindle.pool.name" && (string?)tag.Value == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
