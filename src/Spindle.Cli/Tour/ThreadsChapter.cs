using System.Collections.Concurrent;
using System.Diagnostics;
using Spectre.Console;
using Spindle.Cli.Tour.Threads;

namespace Spindle.Cli.Tour;

/// <summary>The threading module, object by object, next to its .NET counterpart, each in a small live demo.</summary>
internal sealed class ThreadsChapter : TourChapter
{
    internal override string Name => "threads";

    internal override string Title => "threads: the threading module, object by object";

    internal override string Summary => "threading.Thread, Lock, RLock, Condition, Semaphore, Event, Timer, Barrier and local, each run live next to its .NET counterpart.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        Show(console, "threading.Thread", "System.Threading.Thread",
            "t = Thread(target=f); t.start(); t.join()", "var t = new Thread(f); t.Start(); t.Join(timeout);",
            LockDemos.ThreadDemo());
        Show(console, "threading.Lock", "System.Threading.Lock",
            "with lock: counter += 1", "lock (gate) { counter++; }",
            LockDemos.LockDemo());
        Show(console, "threading.RLock", "System.Threading.Lock, already reentrant (threading.Lock is not)",
            "with rlock: ... with rlock: ...", "lock (gate) { ... lock (gate) { ... } }",
            LockDemos.ReentrantDemo());
        Show(console, "threading.Condition", "Monitor on a plain object",
            "with cond: while not items: cond.wait()", "lock (gate) { while (items.Count == 0) Monitor.Wait(gate, timeout); }",
            LockDemos.ConditionDemo());
        Show(console, "threading.Semaphore", "System.Threading.SemaphoreSlim",
            "with sem: work()", "await sem.WaitAsync(ct); try { work(); } finally { sem.Release(); }",
            await SignalDemos.SemaphoreDemoAsync(cancellationToken));
        Show(console, "threading.Event", "ManualResetEventSlim (awaitable: TaskCompletionSource)",
            "event.wait(); event.set()", "signal.Wait(timeout); signal.Set();",
            await SignalDemos.EventDemoAsync(cancellationToken));
        Show(console, "threading.Timer", "TimeProvider.System.CreateTimer (or System.Threading.Timer)",
            "t = Timer(0.05, f); t.start(); t.cancel()", "var t = TimeProvider.System.CreateTimer(f, null, due, Timeout.InfiniteTimeSpan); t.Dispose();",
            await SignalDemos.TimerDemoAsync(cancellationToken));
        Show(console, "threading.Barrier", "System.Threading.Barrier",
            "b = Barrier(3, action=f); b.wait()", "var b = new Barrier(3, f); b.SignalAndWait(timeout);",
            SignalDemos.BarrierDemo());
        Show(console, "threading.local", "ThreadLocal<T>; for contextvars.ContextVar, AsyncLocal<T>",
            "data = threading.local(); data.x = 1", "var data = new ThreadLocal<int>(); data.Value = 1;",
            await LocalDemos.LocalDemoAsync(cancellationToken));
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
}
