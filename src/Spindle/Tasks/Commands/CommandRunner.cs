namespace Spindle.Tasks.Commands;

/// <summary>Runs one program for the <c>command</c> kind.</summary>
internal static class CommandRunner
{
    internal static ValueTask<CommandResult> RunAsync(CommandArgs arguments, TaskContext context) =>
        throw new NotImplementedException("command kind: being built");
}
