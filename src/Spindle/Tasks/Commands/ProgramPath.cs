using System.Runtime.Versioning;

namespace Spindle.Tasks.Commands;

/// <summary>
/// Finds the file a command runs, as <c>execvp</c> and Python's subprocess do on Unix: a name without a
/// <c>/</c> is looked up on the <c>PATH</c> the program will get, never in the current or the worker's own
/// directory (which <see cref="System.Diagnostics.Process"/> would try first); a path with a <c>/</c> is taken
/// relative to the command's working directory. On Windows, <c>CreateProcess</c>'s own search applies.
/// </summary>
internal static class ProgramPath
{
    // What glibc's execvp searches when PATH is unset.
    private const string DefaultPath = "/bin:/usr/bin";

    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    internal static string Resolve(CommandArgs arguments, string kind)
    {
        string program = arguments.Argv[0];
        if (OperatingSystem.IsWindows())
        {
            return program;
        }

        if (program.Contains('/', StringComparison.Ordinal))
        {
            string full = Path.GetFullPath(program, Path.GetFullPath(arguments.WorkingDirectory ?? Directory.GetCurrentDirectory()));
            return Problem(full) is { } problem ? throw CommandRunner.CannotStart(program, kind, $"'{full}' {problem}") : full;
        }

        string? path = Environment.GetEnvironmentVariable("PATH");
        if (arguments.Environment is { } environment && environment.TryGetValue("PATH", out string? childPath))
        {
            path = childPath;
        }

        path = string.IsNullOrEmpty(path) ? DefaultPath : path;
        string? notExecutable = null;
        foreach (string directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                if (Problem(candidate) is null)
                {
                    return candidate;
                }

                notExecutable ??= candidate;
            }
        }

        throw CommandRunner.CannotStart(program, kind, notExecutable is null
            ? $"no such program on PATH ({path})"
            : $"'{notExecutable}' is not executable and no other '{program}' is on PATH ({path})");
    }

    [UnsupportedOSPlatform("windows")]
    private static string? Problem(string file)
    {
        if (Directory.Exists(file))
        {
            return "is a directory";
        }

        if (!File.Exists(file))
        {
            return "does not exist";
        }

        return (File.GetUnixFileMode(file) & AnyExecute) == 0 ? "is not executable" : null;
    }
}
