using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Cli.Tour.Threads;

/// <summary>Semaphore, Event, Timer and Barrier: threads waiting for each other, or for time.</summary>
internal static class SignalDemos
{
    internal static async Task<string[]> SemaphoreDemoAsync(CancellationToken cancellationToken)
    {
        const int Tasks = 6;
        const int Slots = 2;
        const int HoldMs = 20;
        using var semaphore = new SemaphoreSlim(Slots, Slots);
        int inside = 0;    // Interlocked by every task
        int mostInside = 0; // raised by compare-exchange from every task; read after all finish

        long started = Stopwatch.GetTimestamp();
        var tasks = new Task[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            tasks[i] = Task.Run(async () =>
            {
                await semaphore.WaitAsync(cancellationToken);
                try
                {
                    int now = Interlocked.Increment(ref inside);
                    int seen;
                    while (now > (seen = Volatile.Read(ref mostInside)) && Interlocked.CompareExchange(ref mostInside, now, seen) != seen)
                    {
                    }

                    await Task.Delay(HoldMs, cancellationToken);
                    Interlocked.Decrement(ref inside);
                }
                finally
                {
                    semaphore.Release();
                }
            }, cancellationToken);
        }

        await Task.WhenAll(tasks).WaitAsync(Crew.WaitLimit, cancellationToken);
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return
        [
            $"{Tasks} tasks through {Slots} slots: at most {mostInside} were inside at once (observed); all done in {ms:F0} ms, where {Tasks / Slots} rounds of {HoldMs} ms would take {Tasks / Slots * HoldMs}.",
        ];
    }

    internal static async Task<string[]> EventDemoAsync(CancellationToken cancellationToken)
    {
        const int Waiters = 3;
        const int HoldMs = 30;
        using var go = new ManualResetEventSlim(initialState: false);
        using var ready = new CountdownEvent(Waiters);
        var waitedAt = new long[Waiters]; // each waiter writes only its own slot; read after the join
        var wokeAt = new long[Waiters];   // likewise
        int passed = 0;                   // Interlocked by the waiters

        Crew crew = Crew.Start(Waiters, "waiter", i =>
        {
            waitedAt[i] = Stopwatch.GetTimestamp();
            ready.Signal();
            if (go.Wait(Crew.WaitLimit))
            {
                Interlocked.Increment(ref passed);
            }

            wokeAt[i] = Stopwatch.GetTimestamp();
        });

        ready.Wait(Crew.WaitLimit, cancellationToken);
        await Task.Delay(HoldMs, cancellationToken);
        long setAt = Stopwatch.GetTimestamp();
        go.Set();
        crew.Join();

        int early = wokeAt.Count(t => t < setAt);
        double slowestWake = wokeAt.Max(t => Stopwatch.GetElapsedTime(setAt, t).TotalMilliseconds);
        double[] blocked = [.. waitedAt.Zip(wokeAt, (from, to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds)];
        return
        [
            $"{Waiters} threads blocked in Wait() for {blocked.Min():F1}–{blocked.Max():F1} ms, until Set() after a {HoldMs} ms delay; {passed} got the signal, {early} got through before it, the last woke {slowestWake:F2} ms after it{crew.Trouble}.",
        ];
    }

    internal static async Task<string[]> TimerDemoAsync(CancellationToken cancellationToken)
    {
        var dueTime = TimeSpan.FromMilliseconds(50);
        var fired = new TaskCompletionSource<(TimeSpan Delay, string Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        int cancelledFires = 0; // incremented by the cancelled timer's callback, if it ever ran

        long started = Stopwatch.GetTimestamp();
        using ITimer timer = TimeProvider.System.CreateTimer(
            _ => fired.TrySetResult((Stopwatch.GetElapsedTime(started),
                $"{(Thread.CurrentThread.IsThreadPoolThread ? "pool" : "non-pool")} thread {Environment.CurrentManagedThreadId}")),
            null, dueTime, Timeout.InfiniteTimeSpan);
        ITimer cancelled = TimeProvider.System.CreateTimer(_ => Interlocked.Increment(ref cancelledFires), null, dueTime, Timeout.InfiniteTimeSpan);
        cancelled.Dispose();

        (TimeSpan delay, string firedOn) = await fired.Task.WaitAsync(Crew.WaitLimit, cancellationToken);

        // Give the cancelled timer a fair chance to misfire before counting it.
        await Task.Delay(20, cancellationToken);
        return
        [
            $"asked for {dueTime.TotalMilliseconds:F0} ms, fired after {delay.TotalMilliseconds:F1} ms on {firedOn}; the timer disposed before its due time fired {Volatile.Read(ref cancelledFires)} times.",
        ];
    }

    internal static string[] BarrierDemo()
    {
        const int Parties = 3;
        const int Phases = 2;
        var phases = new ConcurrentQueue<string>(); // written by the post-phase action, read after the join
        var released = new int[Phases];             // Interlocked by each party as it leaves a phase
        int timeouts = 0;                           // Interlocked by the parties

        long started = Stopwatch.GetTimestamp();
        using var barrier = new Barrier(Parties, b => phases.Enqueue(
            $"phase {b.CurrentPhaseNumber} complete at {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms: " +
            $"the post-phase action ran on {Thread.CurrentThread.Name} while {Volatile.Read(ref released[b.CurrentPhaseNumber])} of {Parties} parties had been let go"));
        Crew crew = Crew.Run(Parties, "party", i =>
        {
            for (int phase = 0; phase < Phases; phase++)
            {
                // Uneven work, so the barrier really holds the quick ones back for the slow one.
                Thread.SpinWait(50_000 * (i + 1));
                if (!barrier.SignalAndWait(Crew.WaitLimit))
                {
                    Interlocked.Increment(ref timeouts);
                    return;
                }

                Interlocked.Increment(ref released[phase]);
            }
        });

        return [.. phases, $"{Parties} parties passed {Phases} phases, {timeouts} timed out{crew.Trouble}."];
    }
}
