namespace Spindle.Tasks.Commands;

/// <summary>The arguments of the built-in <c>command</c> kind: a program to run, Python's <c>subprocess.run</c>.</summary>
public sealed record CommandArgs
{
    /// <summary>The program and its arguments; the program is looked up on <c>PATH</c> when it has no directory.
    /// No shell is involved, so nothing is expanded or split.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The working directory; <see langword="null"/> keeps the worker's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (or, with a <see langword="null"/> value, remove) in the program's environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Text written to the program's standard input, which is then closed; <see langword="null"/> closes it at once.</summary>
    public string? Stdin { get; init; }

    /// <summary>How long the program may run before it and its children are killed; <see langword="null"/> for no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How many characters of the end of standard output and of standard error the result keeps.</summary>
    /// <value>Default 8192.</value>
    /// <remarks>
    /// A setter, not <c>init</c>: System.Text.Json's source generator assigns every init-only property when it
    /// builds the record, so arguments that leave this out (<c>{"argv":["echo","hi"]}</c>) would get 0 and keep no
    /// output; a settable property is assigned only when the JSON has it.
    /// </remarks>
    public int TailChars { get; set; } = 8192;
}
