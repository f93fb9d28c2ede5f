using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

/// <summary>
/// Fake time plus two test signals: each run the targets record (name and fake time), and each run that has
/// finished with its entry planned again (the scheduler's AfterRun hook). Tests await both with a timeout.
/// </summary>
internal sealed class SchedulerProbe
{
    internal static readonly DateTimeOffset T0 = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Channel<(string Name, DateTimeOffset At)> _runs = Channel.CreateUnbounded<(string, DateTimeOffset)>();
    private readonly Channel<ScheduledEntry> _settled = Channel.CreateUnbounded<ScheduledEntry>();

    internal FakeTimeProvider Time { get; } = new(T0);

    internal SchedulerOptions Options => new() { TimeProvider = Time, MaxConcurrency = 1, AfterRun = e => _settled.Writer.TryWrite(e) };

    internal Func<CancellationToken, ValueTask> Record(string name) => _ =>
    {
        _runs.Writer.TryWrite((name, Time.GetUtcNow()));
        return ValueTask.CompletedTask;
    };

    internal void Note(string name) => _runs.Writer.TryWrite((name, Time.GetUtcNow()));

    internal async Task<(string Name, DateTimeOffset At)> NextRunAsync() => await _runs.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    internal async Task<List<(string Name, DateTimeOffset At)>> RunsAsync(int count)
    {
        var runs = new List<(string, DateTimeOffset)>();
        while (runs.Count < count)
        {
            runs.Add(await NextRunAsync());
        }

        return runs;
    }

    /// <summary>Waits until <paramref name="count"/> more runs have finished and been planned again.</summary>
    internal async Task SettledAsync(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            await _settled.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        }
    }

    internal bool RecordedNothingMore => !_runs.Reader.TryPeek(out _);
}
