using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Cli.Tour.Threads;

/// <summary>Thread, Lock, RLock and Condition: threads, and the locks that keep them from trampling each other.</summary>
internal static class LockDemos
{
    internal static string[] ThreadDemo()
    {
        var ids = new int[3]; // each thread writes only its own slot; read after the join
        long started = Stopwatch.GetTimestamp();
        Crew crew = Crew.Run(ids.Length, "worker", i => ids[i] = Environment.CurrentManagedThreadId);
        return
        [
            $"{ids.Length} threads started and joined in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms{crew.Trouble}; managed thread ids {string.Join(", ", ids)} (this thread is {Environment.CurrentManagedThreadId}).",
        ];
    }

    internal static string[] LockDemo()
    {
        int threads = Math.Clamp(Environment.ProcessorCount, 2, 4);
        const int PerThread = 2_000_000;
        int expected = threads * PerThread;

        // Waking a thread takes longer than a short loop runs, so without a common start line the threads
        // would mostly run one after another and the race would rarely show. They spin rather than block,
        // and release themselves: on a two-core machine a third thread calling "go" would preempt a spinner.
        (Crew Crew, double Ms) Race(string name, Action work)
        {
            int arrived = 0; // Interlocked by each worker once, spun on by all of them
            long started = Stopwatch.GetTimestamp();
            Crew crew = Crew.Run(threads, name, _ =>
            {
                Interlocked.Increment(ref arrived);
                while (Volatile.Read(ref arrived) < threads && Stopwatch.GetElapsedTime(started) < Crew.WaitLimit)
                {
                    Thread.SpinWait(10);
                }

                work();
            });
            return (crew, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Shared by all workers with no guard at all: their read-add-write steps interleave, which is the point.
        int racy = 0;
        (Crew unguarded, double racyMs) = Race("racy", () =>
        {
            for (int n = 0; n < PerThread; n++)
            {
                // A plain racy++ may be kept in a register for the whole loop, which loses updates for a
                // different reason; reading and writing memory each time is what Python's counter += 1 does.
                Volatile.Write(ref racy, Volatile.Read(ref racy) + 1);
            }
        });

        var gate = new Lock();
        int guarded = 0; // written by all workers, only under gate; read after the join
        (Crew locked, double lockedMs) = Race("locked", () =>
        {
            for (int n = 0; n < PerThread; n++)
            {
                lock (gate)
                {
                    guarded++;
                }
            }
        });

        int lost = expected - racy;
        string verdict = lost > 0 ? $"lost {lost:N0} updates" : "happened to lose none this time";
        return
        [
            $"without the lock: {threads} threads × {PerThread:N0} increments counted {racy:N0} of {expected:N0}: {verdict} ({racyMs:F1} ms){unguarded.Trouble}.",
            $"with the lock:    counted {guarded:N0} of {expected:N0}, {(guarded == expected ? "none lost" : $"lost {expected - guarded:N0}")} ({lockedMs:F1} ms){locked.Trouble}.",
        ];
    }

    internal static string[] ReentrantDemo()
    {
        var gate = new Lock();
        var depths = new List<int>();
        bool heldAtEveryDepth = true;
        bool otherGotIn = true;

        // Python's plain Lock would deadlock on the second acquire here; .NET has no non-reentrant lock
        // statement, so the nearest thing to threading.Lock's refusal is SemaphoreSlim(1, 1).
        void Descend(int depth)
        {
            lock (gate)
            {
                depths.Add(depth);
                heldAtEveryDepth &= gate.IsHeldByCurrentThread;
                if (depth < 3)
                {
                    Descend(depth + 1);
                    return;
                }

                // A different thread must still be shut out while this one holds the lock three deep.
                Crew.Run(1, "intruder", _ =>
                {
                    otherGotIn = gate.TryEnter();
                    if (otherGotIn)
                    {
                        gate.Exit();
                    }
                });
            }
        }

        Descend(1);
        return
        [
            $"one thread entered the same lock at depths {string.Join(" → ", depths)} without deadlocking (held by it at every depth: {heldAtEveryDepth}); another thread's TryEnter meanwhile returned {otherGotIn}; after the last exit, held: {gate.IsHeldByCurrentThread}.",
        ];
    }

    internal static string[] ConditionDemo()
    {
        const int Items = 5;
        var gate = new object();
        var queue = new Queue<int>(); // producer enqueues, consumer dequeues, both under gate
        bool finished = false;        // producer sets, consumer reads, under gate
        var received = new List<int>(); // the consumer's alone, like waits and timeouts; read after the join
        int waits = 0;
        int timeouts = 0;

        Crew crew = Crew.Run(2, "handoff", role =>
        {
            if (role == 0)
            {
                for (int item = 1; item <= Items; item++)
                {
                    // Give the consumer time to find the queue empty, so it really waits on the condition.
                    Thread.SpinWait(200_000);
                    lock (gate)
                    {
                        queue.Enqueue(item);
                        Monitor.PulseAll(gate);
                    }
                }

                lock (gate)
                {
                    finished = true;
                    Monitor.PulseAll(gate);
                }

                return;
            }

            lock (gate)
            {
                while (true)
                {
                    // Re-check after every wake-up, as with cond.wait() in a while loop: a pulse says "look again", not "it's yours".
                    while (queue.Count == 0 && !finished)
                    {
                        waits++;
                        if (!Monitor.Wait(gate, Crew.WaitLimit))
                        {
                            timeouts++;
                            return;
                        }
                    }

                    if (queue.Count == 0)
                    {
                        return;
                    }

                    received.Add(queue.Dequeue());
                }
            }
        });

        return
        [
            $"the consumer received {string.Join(", ", received)} of {Items}; it found the queue empty and waited {waits} times, {timeouts} of them timed out{crew.Trouble}.",
        ];
    }
}
