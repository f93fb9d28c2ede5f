using System.Collections.Concurrent;
using System.Diagnostics;
using Spectre.Console;

namespace Spindle.Cli.Tour;

/// <summary>The threading module, object by object, next to its .NET counterpart, each in a small live demo.</summary>
internal sealed class ThreadsChapter : TourChapter
{
    // Every wait in the chapter is bounded by this, so a demo that goes wrong reports it instead of hanging.
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(1);

    internal override string Name => "threads";

    internal override string Title => "threads: the threading module, object by object";

    internal override string Summary => "threading.Thread, Lock, RLock, Condition, Semaphore, Event, Timer, Barrier and local, each run live next to its .NET counterpart.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        Show(console, "threading.Thread", "System.Threading.Thread",
            "t = Thread(target=f); t.start(); t.join()", "var t = new Thread(f); t.Start(); t.Join(timeout);",
            ThreadDemo());
        Show(console, "threading.Lock", "System.Threading.Lock",
            "with lock: counter += 1", "lock (gate) { counter++; }",
            LockDemo());
        Show(console, "threading.RLock", "System.Threading.Lock, already reentrant (threading.Lock is not)",
            "with rlock: ... with rlock: ...", "lock (gate) { ... lock (gate) { ... } }",
            ReentrantDemo());
        Show(console, "threading.Condition", "Monitor on a plain object",
            "with cond: while not items: cond.wait()", "lock (gate) { while (items.Count == 0) Monitor.Wait(gate, timeout); }",
            ConditionDemo());
        Show(console, "threading.Semaphore", "System.Threading.SemaphoreSlim",
            "with sem: work()", "await sem.WaitAsync(ct); try { work(); } finally { sem.Release(); }",
            await SemaphoreDemoAsync(cancellationToken));
        Show(console, "threading.Event", "ManualResetEventSlim (awaitable: TaskCompletionSource)",
            "event.wait(); event.set()", "signal.Wait(timeout); signal.Set();",
            await EventDemoAsync(cancellationToken));
        Show(console, "threading.Timer", "TimeProvider.System.CreateTimer (or System.Threading.Timer)",
            "t = Timer(0.05, f); t.start(); t.cancel()", "var t = TimeProvider.System.CreateTimer(f, null, due, Timeout.InfiniteTimeSpan); t.Dispose();",
            await TimerDemoAsync(cancellationToken));
        Show(console, "threading.Barrier", "System.Threading.Barrier",
            "b = Barrier(3, action=f); b.wait()", "var b = new Barrier(3, f); b.SignalAndWait(timeout);",
            BarrierDemo());
        Show(console, "threading.local", "ThreadLocal<T>; for contextvars.ContextVar, AsyncLocal<T>",
            "data = threading.local(); data.x = 1", "var data = new ThreadLocal<int>(); data.Value = 1;",
            await LocalDemoAsync(cancellationToken));
    }

    private static void Show(IAnsiConsole console, string python, string dotnet, string pythonIdiom, string dotnetIdiom, IEnumerable<string> observed)
    {
        console.MarkupLine($"[bold]Python: [blue]{Markup.Escape(python)}[/]  →  .NET: [blue]{Markup.Escape(dotnet)}[/][/]");
        console.MarkupLine($"  [grey]{Markup.Escape(pythonIdiom)}  ⇒  {Markup.Escape(dotnetIdiom)}[/]");
        foreach (string line in observed)
        {
            console.MarkupLine($"  [green]›[/] {Markup.Escape(line)}");
        }
    }

    private static string[] ThreadDemo()
    {
        var ids = new int[3]; // each thread writes only its own slot; read after the join
        long started = Stopwatch.GetTimestamp();
        Crew crew = Crew.Run(ids.Length, "worker", i => ids[i] = Environment.CurrentManagedThreadId);
        return
        [
            $"{ids.Length} threads started and joined in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms{crew.Trouble}; managed thread ids {string.Join(", ", ids)} (this thread is {Environment.CurrentManagedThreadId}).",
        ];
    }

    private static string[] LockDemo()
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
                while (Volatile.Read(ref arrived) < threads && Stopwatch.GetElapsedTime(started) < WaitLimit)
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

    private static string[] ReentrantDemo()
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

    private static string[] ConditionDemo()
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
                        if (!Monitor.Wait(gate, WaitLimit))
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

    private static async Task<string[]> SemaphoreDemoAsync(CancellationToken cancellationToken)
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

        await Task.WhenAll(tasks).WaitAsync(WaitLimit, cancellationToken);
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return
        [
            $"{Tasks} tasks through {Slots} slots: at most {mostInside} were inside at once (observed); all done in {ms:F0} ms, where {Tasks / Slots} rounds of {HoldMs} ms would take {Tasks / Slots * HoldMs}.",
        ];
    }

    private static async Task<string[]> EventDemoAsync(CancellationToken cancellationToken)
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
            if (go.Wait(WaitLimit))
            {
                Interlocked.Increment(ref passed);
            }

            wokeAt[i] = Stopwatch.GetTimestamp();
        });

        ready.Wait(WaitLimit, cancellationToken);
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

    private static async Task<string[]> TimerDemoAsync(CancellationToken cancellationToken)
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

        (TimeSpan delay, string firedOn) = await fired.Task.WaitAsync(WaitLimit, cancellationToken);

        // Give the cancelled timer a fair chance to misfire before counting it.
        await Task.Delay(20, cancellationToken);
        return
        [
            $"asked for {dueTime.TotalMilliseconds:F0} ms, fired after {delay.TotalMilliseconds:F1} ms on {firedOn}; the timer disposed before its due time fired {Volatile.Read(ref cancelledFires)} times.",
        ];
    }

    private static string[] BarrierDemo()
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
                if (!barrier.SignalAndWait(WaitLimit))
                {
                    Interlocked.Increment(ref timeouts);
                    return;
                }

                Interlocked.Increment(ref released[phase]);
            }
        });

        return [.. phases, $"{Parties} parties passed {Phases} phases, {timeouts} timed out{crew.Trouble}."];
    }

    private static async Task<string[]> LocalDemoAsync(CancellationToken cancellationToken)
    {
        const int Workers = 3;
        using var perThread = new ThreadLocal<string>(() => "unset", trackAllValues: true);
        int ownThread = 0; // Interlocked by the workers
        Crew crew = Crew.Run(Workers, "local", i =>
        {
            perThread.Value = $"worker-{i}";
            Thread.Yield();
            if (perThread.Value == $"worker-{i}")
            {
                Interlocked.Increment(ref ownThread);
            }
        });
        string seenByWorkers = string.Join(", ", perThread.Values.Order(StringComparer.Ordinal));

        var perFlow = new AsyncLocal<string> { Value = "caller" };
        int hops = 0;    // Interlocked by the tasks
        int ownFlow = 0; // Interlocked by the tasks
        var tasks = new Task[Workers];
        for (int i = 0; i < Workers; i++)
        {
            string mine = $"task-{i}";
            tasks[i] = Task.Run(async () =>
            {
                perFlow.Value = mine;
                int before = Environment.CurrentManagedThreadId;
                await Task.Delay(5, cancellationToken);
                if (Environment.CurrentManagedThreadId != before)
                {
                    Interlocked.Increment(ref hops);
                }

                if (perFlow.Value == mine)
                {
                    Interlocked.Increment(ref ownFlow);
                }
            }, cancellationToken);
        }

        await Task.WhenAll(tasks).WaitAsync(WaitLimit, cancellationToken);
        return
        [
            $"ThreadLocal: {ownThread} of {Workers} threads read back their own value; Values holds {seenByWorkers}; this thread sees '{perThread.Value}'{crew.Trouble}.",
            $"AsyncLocal:  {ownFlow} of {Workers} tasks kept their own value across an await ({hops} of them resumed on another thread); the caller still sees '{perFlow.Value}'.",
        ];
    }

    /// <summary>A few named background threads running one body, joined against a shared deadline.</summary>
    private sealed class Crew
    {
        private readonly Thread[] _threads;

        // Each thread writes only its own slot, and only from its catch; read after the join.
        private readonly Exception?[] _failures;

        private bool _joined;

        private Crew(int count, string name, Action<int> body)
        {
            _failures = new Exception?[count];
            _threads = new Thread[count];
            for (int i = 0; i < count; i++)
            {
                int index = i;
                _threads[i] = new Thread(() =>
                {
                    // An exception escaping a raw thread ends the process; carry it back to the demo instead.
                    try
                    {
                        body(index);
                    }
                    catch (Exception ex)
                    {
                        _failures[index] = ex;
                    }
                })
                {
                    Name = $"{name}-{i}",
                    IsBackground = true, // a stuck demo thread must not keep the CLI alive
                };
            }
        }

        /// <summary>Empty when every thread finished cleanly, else a clause saying what went wrong.</summary>
        internal string Trouble =>
            !_joined ? " (not every thread finished within the time limit)"
            : _failures.FirstOrDefault(f => f is not null) is { } failure ? $" (a thread failed: {failure.Message})"
            : "";

        internal static Crew Start(int count, string name, Action<int> body)
        {
            var crew = new Crew(count, name, body);
            foreach (Thread thread in crew._threads)
            {
                thread.Start();
            }

            return crew;
        }

        internal static Crew Run(int count, string name, Action<int> body)
        {
            Crew crew = Start(count, name, body);
            crew.Join();
            return crew;
        }

        internal void Join()
        {
            long started = Stopwatch.GetTimestamp();
            _joined = true;
            foreach (Thread thread in _threads)
            {
                TimeSpan left = WaitLimit - Stopwatch.GetElapsedTime(started);
                _joined &= left > TimeSpan.Zero && thread.Join(left);
            }
        }
    }
}
