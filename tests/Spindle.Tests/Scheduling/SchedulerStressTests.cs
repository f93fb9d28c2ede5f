using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Spindle.Pools;
using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

/// <summary>
/// Start/stop stress: entries added, cancelled and the scheduler disposed while another task advances fake time
/// and timers fire. A ledger checks that no target starts after its entry's Dispose (or the scheduler's
/// DisposeAsync) has returned, and every disposal finishes within a bounded real time.
/// </summary>
public sealed class SchedulerStressTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Adding_cancelling_and_disposing_while_timers_fire_never_runs_a_target_after_its_dispose_returned()
    {
        long ran = 0;
        for (int round = 0; round < 50; round++)
        {
            ran += await RoundAsync(new Random(round));
        }

        // A single round may end before its fake clock fired anything; all fifty doing so means no stress.
        Assert.True(ran > 0, "no round ran anything: the stress did not stress");
    }

    /// <summary>One round; returns how many targets ran before the scheduler was disposed.</summary>
    private static async Task<long> RoundAsync(Random random)
    {
        var time = new FakeTimeProvider(SchedulerProbe.T0);
        await using var pool = WorkerPool.Create(new WorkerPoolOptions { MaxConcurrency = 2 });
        var scheduler = Scheduler.Create(new SchedulerOptions { TimeProvider = time, MaxConcurrency = 4, CancelRunningOnDispose = random.Next(2) == 0 });

        // One flag per entry, set right after its CancelAsync completed; a target that starts and finds it set is a violation.
        var disposed = new ConcurrentDictionary<ScheduledEntry, bool>();
        var entries = new ConcurrentQueue<ScheduledEntry>();
        var disposedWithoutWaiting = new ConcurrentQueue<ScheduledEntry>();
        int schedulerDisposed = 0;
        int violations = 0;
        long runs = 0;

        Func<CancellationToken, ValueTask> Target(Func<ScheduledEntry?> self, bool cancelsItself) => async ct =>
        {
            ScheduledEntry? me = self();
            if (Volatile.Read(ref schedulerDisposed) == 1 || (me is not null && disposed.ContainsKey(me)))
            {
                Interlocked.Increment(ref violations);
            }

            Interlocked.Increment(ref runs);
            await Task.Yield();
            if (cancelsItself && me is not null)
            {
                await me.CancelAsync(CancellationToken.None); // from its own run: must not hang
            }
        };

        using var stop = new CancellationTokenSource();
        Task advancer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                await Task.Yield();
            }
        });

        Task adder = Task.Run(() =>
        {
            var rng = new Random(random.Next());
            for (int i = 0; i < 60; i++)
            {
                ScheduledEntry? entry = null;
                Func<CancellationToken, ValueTask> target = Target(() => Volatile.Read(ref entry), cancelsItself: rng.Next(10) == 0);
                var options = new EntryOptions { Priority = rng.Next(3), Pool = rng.Next(4) == 0 ? pool : null, MissedRuns = (MissedRunPolicy)rng.Next(3) };
                try
                {
                    entry = rng.Next(3) switch
                    {
                        0 => scheduler.Every(TimeSpan.FromMilliseconds(rng.Next(1, 4)), target, (IntervalMode)rng.Next(2), options),
                        1 => scheduler.After(TimeSpan.FromMilliseconds(rng.Next(0, 5)), target, options),
                        _ => scheduler.Cron("* * * * * *", TimeZoneInfo.Utc, target, options),
                    };
                    Volatile.Write(ref entry, entry);
                    entries.Enqueue(entry);
                }
                catch (ObjectDisposedException)
                {
                    return; // the scheduler was disposed under us: that is part of the test
                }
            }
        });

        Task canceller = Task.Run(async () =>
        {
            var rng = new Random(random.Next());
            for (int i = 0; i < 40; i++)
            {
                if (entries.TryDequeue(out ScheduledEntry? entry))
                {
                    if (rng.Next(2) == 0)
                    {
                        // Dispose does not wait: a run that had already passed its last check may still be
                        // entering its target (with its token signalled), so it is not on the ledger.
                        entry.Dispose();
                        disposedWithoutWaiting.Enqueue(entry);
                    }
                    else
                    {
                        await entry.CancelAsync().WaitAsync(Bound);
                        disposed[entry] = true;
                    }
                }

                await Task.Yield();
            }
        });

        await Task.WhenAll(adder, canceller).WaitAsync(Bound);
        await scheduler.DisposeAsync().AsTask().WaitAsync(Bound);
        Volatile.Write(ref schedulerDisposed, 1);

        // Time goes on for a while after disposal: nothing may run.
        long runsAtDispose = Interlocked.Read(ref runs);
        for (int i = 0; i < 50; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            await Task.Yield();
        }

        await stop.CancelAsync();
        await advancer.WaitAsync(Bound);

        Assert.Equal(0, Volatile.Read(ref violations));
        Assert.Equal(runsAtDispose, Interlocked.Read(ref runs));
        foreach (ScheduledEntry entry in disposed.Keys.Concat(entries).Concat(disposedWithoutWaiting))
        {
            Assert.True(entry.Completion.IsCompleted, $"{entry} did not complete");
        }

        return runsAtDispose;
    }
}
