namespace Spindle.Tasks.Commands;

/// <summary>Refuses <see cref="CommandArgs"/> that could not run as meant, before anything starts, with a message
/// that names the field and the rule.</summary>
internal static class CommandArgsCheck
{
    internal const int MaxTailChars = 1_048_576;

    // CancellationTokenSource takes delays up to 2^32 - 2 ms (49.7 days).
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(49);

    internal static void ThrowIfInvalid(CommandArgs? arguments, string kind)
    {
        if (arguments is null)
        {
            throw Invalid(kind, "the arguments are null; give at least Argv");
        }

        if (arguments.Argv is null || arguments.Argv.Count == 0)
        {
            throw Invalid(kind, "Argv is empty; give the program and its arguments, such as [\"git\", \"status\"]");
        }

        if (string.IsNullOrEmpty(arguments.Argv[0]))
        {
            throw Invalid(kind, "Argv[0], the program to run, is empty");
        }

        for (int i = 0; i < arguments.Argv.Count; i++)
        {
            if (arguments.Argv[i] is not { } argument || argument.Contains('\0', StringComparison.Ordinal))
            {
                throw Invalid(kind, $"Argv[{i}] is null or contains a NUL character");
            }
        }

        if (arguments.WorkingDirectory is { } directory && (directory.Length == 0 || directory.Contains('\0', StringComparison.Ordinal)))
        {
            throw Invalid(kind, "WorkingDirectory is empty or contains a NUL character; use null to keep the worker's");
        }

        foreach ((string name, string? value) in arguments.Environment ?? new Dictionary<string, string?>())
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || (value?.Contains('\0', StringComparison.Ordinal) ?? false))
            {
                throw Invalid(kind, $"Environment variable '{name}' is not valid: a name is not empty and holds no '=' or NUL, a value holds no NUL");
            }
        }

        if (arguments.TailChars is < 0 or > MaxTailChars)
        {
            throw Invalid(kind, $"TailChars is {arguments.TailChars}; it must be from 0 to {MaxTailChars}");
        }

        if (arguments.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxTimeout))
        {
            throw Invalid(kind, $"Timeout is {timeout}; it must be positive and at most {MaxTimeout.TotalDays} days, or null for no limit");
        }
    }

    private static TaskArgumentException Invalid(string kind, string problem) =>
        new(kind, $"Invalid arguments for task '{kind}': {problem}.");
}
