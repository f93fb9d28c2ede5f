using System.CommandLine;
using Spectre.Console;

namespace Spindle.Cli.Tests;

/// <summary>One finished run of the <c>spindle</c> command: its exit code and everything it printed.</summary>
/// <param name="ExitCode">What the command returned.</param>
/// <param name="Output">What it wrote to the console, without colour or ANSI codes.</param>
/// <param name="Json">What it wrote to the JSON writer.</param>
/// <param name="Errors">What the command-line parser reported (only captured by <see cref="InvokeAsync"/>).</param>
internal sealed record SpindleRun(int ExitCode, string Output, string Json, string Errors)
{
    /// <summary>Long enough for <c>tour map</c>'s real benchmark, short enough that a hang fails the test.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Runs the command exactly as <c>Program.cs</c> does, through <see cref="SpindleCommand.RunAsync"/>.</summary>
    internal static async Task<SpindleRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var json = new StringWriter();
        int exitCode = await SpindleCommand.RunAsync(args, CreateConsole(output), json).WaitAsync(Patience);
        return new SpindleRun(exitCode, output.ToString(), json.ToString(), "");
    }

    /// <summary>
    /// Runs the command as <see cref="SpindleCommand.RunAsync"/> does but with the parser's own output captured:
    /// <c>RunAsync</c> leaves parse errors and help to the process's <see cref="Console"/>, where a test cannot read them.
    /// </summary>
    /// <summary>Runs one tour chapter and checks what every chapter must do: exit 0 and finish the tour.</summary>
    internal static async Task<SpindleRun> TourChapterAsync(string chapter)
    {
        SpindleRun run = await RunAsync("tour", chapter);
        Assert.True(run.ExitCode == 0, $"tour {chapter} exited {run.ExitCode}:\n{run.Output}");
        Assert.Contains("Tour finished", run.Output, StringComparison.Ordinal);
        return run;
    }

    internal static async Task<SpindleRun> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var json = new StringWriter();
        var help = new StringWriter();
        var errors = new StringWriter();
        RootCommand root = SpindleCommand.Create(CreateConsole(output), json);
        int exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = help, Error = errors }).WaitAsync(Patience);
        return new SpindleRun(exitCode, output.ToString(), json.ToString(), errors.ToString());
    }

    /// <summary>The console's lines, with trailing spaces trimmed.</summary>
    internal IReadOnlyList<string> Lines => [.. Output.Split('\n').Select(line => line.TrimEnd())];

    private static IAnsiConsole CreateConsole(TextWriter writer)
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
