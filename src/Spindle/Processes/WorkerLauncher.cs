using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spindle.Processes.Wire;

namespace Spindle.Processes;

/// <summary>Builds the command line of a worker process: this application relaunched (Python's spawn), or the
/// program the options name; a <c>.dll</c> runs under the <c>dotnet</c> host.</summary>
internal static class WorkerLauncher
{
    /// <summary>A child process started without a shell, every standard stream redirected to its parent.</summary>
    internal static ProcessStartInfo Redirected(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    internal static ProcessStartInfo StartInfo(ProcessPoolOptions options)
    {
        (string program, List<string> arguments) = Program(options);
        ProcessStartInfo start = Redirected(program, arguments.Concat(options.WorkerArguments));

        if (options.Environment is { } environment)
        {
            foreach ((string name, string? value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }
        }

        start.Environment[WireFormat.WorkerVariable] = "1";
        start.Environment[WireFormat.MaxPayloadVariable] = options.MaxPayloadBytes.ToString(CultureInfo.InvariantCulture);
        return start;
    }

    /// <summary>How the worker is started, for error messages.</summary>
    internal static string Describe(ProcessStartInfo start) => string.Join(' ', [start.FileName, .. start.ArgumentList]);

    private static (string Program, List<string> Arguments) Program(ProcessPoolOptions options)
    {
        if (options.WorkerProgram is { } program)
        {
            return program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? (DotnetHost(), [Path.GetFullPath(program)]) : (program, []);
        }

        return ThisApplication();
    }

    /// <summary>How to start this application again: its executable, plus its entry dll when the executable is
    /// the <c>dotnet</c> host.</summary>
    internal static (string Program, List<string> Arguments) ThisApplication()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("This process's executable is unknown, so it cannot be relaunched as a worker; set ProcessPoolOptions.WorkerProgram.");
        if (!IsDotnetHost(self))
        {
            return (self, []);
        }

        string entry = Assembly.GetEntryAssembly()?.GetName().Name ?? throw new InvalidOperationException("This application has no entry assembly to relaunch as a worker; set ProcessPoolOptions.WorkerProgram.");
        return (self, [Path.Combine(AppContext.BaseDirectory, entry + ".dll")]);
    }

    /// <summary>The <c>dotnet</c> host: this process's executable when it is the host, else the SDK's or PATH's.</summary>
    internal static string DotnetHost() =>
        Environment.ProcessPath is { } self && IsDotnetHost(self) ? self : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static bool IsDotnetHost(string path) => Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}
