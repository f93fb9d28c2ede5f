using System.Diagnostics;
using Spectre.Console;
using Spindle.Pools;

namespace Spindle.Cli.Tour;

/// <summary>concurrent.futures on the WorkerPool: submit, as-completed, and wait for the first.</summary>
internal sealed class FuturesChapter : TourChapter
{
    internal override string Name => "futures";

    internal override string Title => "futures: submit, as completed, first completed";

    internal override string Summary => "concurrent.futures on the WorkerPool: submit returns a Task, Task.WhenEach is as_completed, Task.WhenAny is FIRST_COMPLETED.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        await using var pool = WorkerPool.Create(new WorkerPoolOptions { Name = "tour-futures", MaxConcurrency = 4 });
        long started = Stopwatch.GetTimestamp();
        string Clock() => $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds,5:F0} ms";

        console.MarkupLine("[bold]submit[/]: [blue]executor.submit(fetch, url)[/] → [blue]Task<T> f = await pool.SubmitAsync(ct => FetchAsync(url, ct))[/]");
        var delays = new (string Name, int Ms)[] { ("slow.example", 300), ("fast.example", 50), ("medium.example", 150), ("quick.example", 100) };
        var futures = new Dictionary<Task<string>, string>();
        foreach ((string name, int ms) in delays)
        {
            Task<string> future = await pool.SubmitAsync(async ct =>
            {
                await Task.Delay(ms, ct);
                return $"{name} answered after {ms} ms";
            }, cancellationToken: cancellationToken);
            futures[future] = name;
            console.MarkupLine($"  [grey]{Clock()}[/] submitted {name}");
        }

        console.MarkupLine("[bold]as completed[/]: [blue]for f in as_completed(futures)[/] → [blue]await foreach (var f in Task.WhenEach(futures))[/]");
        await foreach (Task<string> done in Task.WhenEach(futures.Keys).WithCancellation(cancellationToken))
        {
            console.MarkupLine($"  [grey]{Clock()}[/] {Markup.Escape(await done)}");
        }

        console.MarkupLine("[bold]first completed[/]: [blue]wait(fs, return_when=FIRST_COMPLETED)[/] → [blue]await Task.WhenAny(futures)[/]; the rest are cancelled.");
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var racers = new List<Task<string>>();
        foreach ((string name, int ms) in delays)
        {
            racers.Add(await pool.SubmitAsync(async ct =>
            {
                await Task.Delay(ms, ct);
                return name;
            }, cancellationToken: race.Token));
        }

        long raceStart = Stopwatch.GetTimestamp();
        Task<string> winner = await Task.WhenAny(racers);
        await race.CancelAsync();
        int cancelled = 0;
        foreach (Task<string> racer in racers)
        {
            try
            {
                await racer;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }

        console.MarkupLine($"  first: [green]{await winner}[/] after {Stopwatch.GetElapsedTime(raceStart).TotalMilliseconds:F0} ms; {cancelled} others cancelled.");

        console.MarkupLine("[bold]errors travel with the future[/]: [blue]f.result()[/] re-raises → [blue]await f[/] rethrows the original exception.");
        Task<int> failing = await pool.SubmitAsync<int>(() => throw new InvalidOperationException("disk full"), cancellationToken: cancellationToken);
        try
        {
            await failing;
        }
        catch (InvalidOperationException ex)
        {
            console.MarkupLine($"  caught {ex.GetType().Name}: {Markup.Escape(ex.Message)}");
        }
    }
}
