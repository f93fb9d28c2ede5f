using System.Diagnostics;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Processes;
using Spindle.Tasks.Commands;

namespace Spindle.Cli.Tour;

/// <summary>subprocess.run on a ProcessPool through the built-in command kind: programs in parallel, exit codes,
/// standard error, a timeout that kills, and standard input piped in.</summary>
internal sealed class SubprocessChapter : TourChapter
{
    private const int WorkerCount = 4;
    private static readonly TimeSpan KillAfter = TimeSpan.FromMilliseconds(200);

    internal override string Name => "subprocess";

    internal override string Title => "subprocess: programs in parallel, with exit codes, output and timeouts";

    internal override string Summary => "subprocess.run through the command kind on a ProcessPool: four programs in parallel in the time of one, an exit code with its stderr, a timeout that kills, stdin piped in.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine("Python's [blue]subprocess.run[/] is the built-in [blue]command[/] kind, run on a ProcessPool's workers:");
        console.MarkupLine($"  [grey]{Markup.Escape("r = subprocess.run(argv, input=text, capture_output=True, timeout=0.2)")}  ⇒[/]");
        console.MarkupLine($"  [grey]{Markup.Escape("CommandResult r = await await pool.SubmitAsync(CommandTask.Kind, new CommandArgs { Argv = argv, Stdin = text, Timeout = limit });")}[/]");
        console.MarkupLine("No shell is involved (run [blue]sh -c[/] for one); both outputs are read while the program runs and only their tails are kept.");
        console.MarkupLine($"A worker mostly waits for its program, so the pool may have more workers than cores: {WorkerCount} here.");
        console.WriteLine();

        await using ProcessPool pool = await TourPools.StartAsync(CliTasks.Create().Catalog, new ProcessPoolOptions
        {
            Name = "tour-subprocess",
            WorkerCount = WorkerCount,
        }, cancellationToken);

        console.MarkupLine($"[bold]In parallel[/]: {WorkerCount} programs of 0.3 s each, submitted at once.");
        CommandArgs sleeper = new() { Argv = ["sh", "-c", "sleep 0.3; echo done"] };
        long started = Stopwatch.GetTimestamp();
        CommandResult[] sleeps = await RunAllAsync(pool, [.. Enumerable.Repeat(sleeper, WorkerCount)], cancellationToken);
        TimeSpan wall = Stopwatch.GetElapsedTime(started);
        console.Write(Render([.. Enumerable.Repeat(sleeper, WorkerCount)], sleeps));
        double serial = sleeps.Sum(r => r.Duration.TotalMilliseconds);
        console.MarkupLine($"  wall time {wall.TotalMilliseconds:F0} ms for {serial:F0} ms of programs: [green]{serial / wall.TotalMilliseconds:F1}×[/], about one sleep rather than {WorkerCount}.");
        console.WriteLine();

        console.MarkupLine("[bold]Exit codes, standard error, a timeout, standard input[/]: four more programs, also at once.");
        CommandArgs[] others =
        [
            new() { Argv = ["sh", "-c", "echo \"disk full\" >&2; exit 3"] },
            new() { Argv = ["sleep", "5"], Timeout = KillAfter },
            new() { Argv = ["tr", "a-z", "A-Z"], Stdin = "hello from the parent process\n" },
            new() { Argv = ["wc", "-c"], Stdin = "spindle\n" },
        ];
        CommandResult[] results = await RunAllAsync(pool, others, cancellationToken);
        console.Write(Render(others, results));
        CommandResult failed = results[0];
        CommandResult killed = results[1];
        console.MarkupLine($"  [blue]sh[/] exited {failed.ExitCode}: Succeeded is {failed.Succeeded}, and its standard error came back in StderrTail. Python's check=True would raise");
        console.MarkupLine("  CalledProcessError here; the result leaves the decision to the caller.");
        console.MarkupLine($"  [blue]sleep 5[/] with Timeout = {KillAfter.TotalMilliseconds:F0} ms was killed with its children after {killed.Duration.TotalMilliseconds:F0} ms: TimedOut is {killed.TimedOut}, exit code {killed.ExitCode} (128 + SIGKILL);");
        console.MarkupLine("  subprocess.run would raise TimeoutExpired instead of returning what the program wrote so far.");
        ProcessPoolStats stats = pool.Stats;
        console.MarkupLine($"  The pool lost no worker (Stats.WorkersLost {stats.WorkersLost}) and ran {stats.Completed} calls: a command's Timeout kills the program, not the worker running it.");
    }

    private static async Task<CommandResult[]> RunAllAsync(ProcessPool pool, CommandArgs[] commands, CancellationToken cancellationToken)
    {
        var calls = new Task<CommandResult>[commands.Length];
        for (int i = 0; i < commands.Length; i++)
        {
            calls[i] = await pool.SubmitAsync(CommandTask.Kind, commands[i], cancellationToken: cancellationToken);
        }

        return await Task.WhenAll(calls);
    }

    private static Table Render(CommandArgs[] commands, CommandResult[] results)
    {
        var table = new Table()
            .AddColumn("program")
            .AddColumn(new TableColumn("exit code").RightAligned())
            .AddColumn("timed out")
            .AddColumn(new TableColumn("duration").RightAligned())
            .AddColumn("output tail");
        for (int i = 0; i < commands.Length; i++)
        {
            CommandResult r = results[i];
            table.AddRow(
                Markup.Escape(CommandLine(commands[i])),
                $"{r.ExitCode}",
                r.TimedOut ? "[red]yes[/]" : "no",
                $"{r.Duration.TotalMilliseconds:F0} ms",
                Markup.Escape(Tail(r)));
        }

        return table;
    }

    /// <summary>The argv as a shell would take it back, with stdin shown as a pipe into it.</summary>
    private static string CommandLine(CommandArgs command)
    {
        string argv = string.Join(' ', command.Argv.Select(a => a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or ';' or '>' or '&' or '|') ? $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'" : a));
        return command.Stdin is { } stdin ? $"echo '{stdin.TrimEnd('\n')}' | {argv}" : argv;
    }

    private static string Tail(CommandResult result)
    {
        string stdout = result.StdoutTail.Trim();
        string stderr = result.StderrTail.Trim();
        string tail = stderr.Length == 0 ? stdout : stdout.Length == 0 ? $"stderr: {stderr}" : $"{stdout} | stderr: {stderr}";
        return tail.Length == 0 ? "-" : tail.ReplaceLineEndings(" ⏎ ");
    }
}
