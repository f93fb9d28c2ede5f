namespace Spindle.Tasks.Commands;

/// <summary>The result of the built-in <c>command</c> kind.</summary>
public sealed record CommandResult
{
    /// <summary>The program's exit code; by the shell's convention 128 + n when signal n killed it.</summary>
    public required int ExitCode { get; init; }

    /// <summary>The end of what the program wrote to standard output (at most <see cref="CommandArgs.TailChars"/> characters).</summary>
    public required string StdoutTail { get; init; }

    /// <summary>The end of what the program wrote to standard error.</summary>
    public required string StderrTail { get; init; }

    /// <summary>How long the program ran.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Whether the program was killed because it ran past <see cref="CommandArgs.Timeout"/>.</summary>
    public bool TimedOut { get; init; }

    /// <summary>Whether the program exited with code 0 and was not killed.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
