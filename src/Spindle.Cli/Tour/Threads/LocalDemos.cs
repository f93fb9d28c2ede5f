using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Cli.Tour.Threads;

/// <summary>threading.local and contextvars: data each thread, or each flow of awaits, sees as its own.</summary>
internal static class LocalDemos
{
    internal static async Task<string[]> LocalDemoAsync(CancellationToken cancellationToken)
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

        await Task.WhenAll(tasks).WaitAsync(Crew.WaitLimit, cancellationToken);
        return
        [
            $"ThreadLocal: {ownThread} of {Workers} threads read back their own value; Values holds {seenByWorkers}; this thread sees '{perThread.Value}'{crew.Trouble}.",
            $"AsyncLocal:  {ownFlow} of {Workers} tasks kept their own value across an await ({hops} of them resumed on another thread); the caller still sees '{perFlow.Value}'.",
        ];
    }
}
