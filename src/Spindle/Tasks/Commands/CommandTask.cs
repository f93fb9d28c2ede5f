namespace Spindle.Tasks.Commands;

/// <summary>The built-in <c>command</c> kind: runs a program with its arguments, working directory, environment,
/// standard input and timeout; returns its exit code, output tails and duration. Every catalog holds it.</summary>
public static class CommandTask
{
    /// <summary>The kind string, <c>"command"</c>.</summary>
    public const string Name = "command";

    /// <summary>The typed handle of the kind, for submitting commands to a process pool.</summary>
    public static TaskKind<CommandArgs, CommandResult> Kind { get; } =
        new(Name, CommandRunner.RunAsync, null, CommandJson.Default.CommandArgs, CommandJson.Default.CommandResult);
}
