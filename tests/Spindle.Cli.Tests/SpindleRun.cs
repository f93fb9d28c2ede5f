using System.CommandLine;
using Spectre.Console;

namespace Spindle.Cli.Tests;

/// <summary>One finished run of the <c>spindle</c> command: its exit code and everything it printed.</summary>
/// <param name="ExitCode">What the command returned.</param>
/// <param name="Output">What it wrote to the console, without colour or ANSI codes.</param>
/// <param name="Json">What it wrote to the JSON writer.</param>
/// <param name="Errors">What the command wrote to stderr: the queue commands' errors, and with <see cref="InvokeAsync"/> the parser's.</param>
internal sealed record SpindleRun(int ExitCode, string Output, string Json, string Errors)
{
    /// <summary>Long enough for <c>tour map</c>'s real benchmark, short enough that a hang fails the test.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gives the test host's thread pool back the threads its own machinery holds. The test host blocks two pool
    /// threads for the whole run (vstest's socket loop in <c>Socket.Poll</c>, the xUnit adapter's wait for the
    /// assembly run), and the pool counts them as busy: on two cores they are its whole target concurrency, so new
    /// work, such as a process pool's answers, waits for the starvation detector (0.5 to 1 s) while an idle
    /// thread sleeps. The <c>spindle</c> process blocks no pool threads; with this the chapters' timings measured
    /// here are the ones <c>spindle tour</c> shows.
    /// </summary>
    static SpindleRun()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount) + 2, completionPorts);
    }

    /// <summary>Runs the command exactly as <c>Program.cs</c> does, through <see cref="SpindleCommand.RunAsync"/>.</summary>
    internal static Task<SpindleRun> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    /// <summary>Runs the command as <c>Program.cs</c> does, with a token standing in for Ctrl+C; the queue commands' stderr lands in <see cref="Errors"/>.</summary>
    internal static async Task<SpindleRun> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var json = new StringWriter();
        var errors = new StringWriter();
        int exitCode = await SpindleCommand.RunAsync(args, CreateConsole(output), json, cancellationToken, errors).WaitAsync(Patience);
        return new SpindleRun(exitCode, output.ToString(), json.ToString(), errors.ToString());
    }

    /// <summary>Runs one tour chapter and checks what every chapter must do: exit 0 and finish the tour.</summary>
    internal static async Task<SpindleRun> TourChapterAsync(string chapter)
    {
        SpindleRun run = await RunAsync("tour", chapter);
        Assert.True(run.ExitCode == 0, $"tour {chapter} exited {run.ExitCode}:\n{run.Output}");
        Assert.Contains("Tour finished", run.Output, StringComparison.Ordinal);
        return run;
    }

    /// <summary>
    /// Runs the command as <see cref="SpindleCommand.RunAsync"/> does but with the parser's own output captured:
    /// <c>RunAsync</c> leaves parse errors and help to the process's <see cref="Console"/>, where a test cannot read them.
    /// </summary>
    internal static async Task<SpindleRun> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var json = new StringWriter();
        var help = new StringWriter();
        var errors = new StringWriter();
        RootCommand root = SpindleCommand.Create(CreateConsole(output), json);
        int exitCode = await SpindleCommand.InvokeAsync(root.Parse(args), new InvocationConfiguration { Output = help, Error = errors }).WaitAsync(Patience);
        return new SpindleRun(exitCode, output.ToString(), json.ToString(), errors.ToString());
    }

    /// <summary>The console's lines, with trailing spaces trimmed.</summary>
    internal IReadOnlyList<string> Lines => [.. Output.Split('\n').Select(line => line.TrimEnd())];

    internal static IAnsiConsole CreateConsole(TextWriter writer)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });

        // Wide enough that no line of the tour or the tables wraps, so assertions can look for whole sentences.
        console.Profile.Width = 240;
        return console;
    }
}
