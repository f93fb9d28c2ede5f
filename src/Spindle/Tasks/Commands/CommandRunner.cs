using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Spindle.Tasks.Commands;

/// <summary>
/// Runs one program for the <c>command</c> kind, Python's <c>subprocess.run</c> with the sharp edges filed off:
/// no shell, standard input always a pipe of its own, output captured concurrently into bounded tails, and a
/// timeout or cancellation that kills the whole process tree rather than only the program.
/// </summary>
internal static class CommandRunner
{
    internal const int MaxTailChars = CommandArgsCheck.MaxTailChars;

    // How long the output pipes may stay open once the program has ended. A background grandchild that
    // inherited them (`sh -c 'server &'`) would otherwise hold the call for as long as it lives, which is
    // how Python's subprocess.run hangs; what it writes after the grace is not part of the result.
    private static readonly TimeSpan PipeGrace = TimeSpan.FromSeconds(2);

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    internal static async ValueTask<CommandResult> RunAsync(CommandArgs arguments, TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CommandArgsCheck.ThrowIfInvalid(arguments, context.Kind);
        context.CancellationToken.ThrowIfCancellationRequested();
        TimeProvider time = context.TimeProvider;

        // The deadline counts from before the start, as Python's does, so starting is part of the budget.
        using CancellationTokenSource? deadline = arguments.Timeout is { } timeout ? new CancellationTokenSource(timeout, time) : null;
        long started = time.GetTimestamp();
        using Process process = Start(arguments, context.Kind);
        RunningPrograms.Add(process);
        try
        {
            // The pumps run from the start so a program that writes more than a pipe holds never blocks on
            // us, and standard input is fed alongside them so neither side waits for the other (the deadlock
            // the Process docs warn about). `abandon` stops all three when the pipes outlive the grace.
            using var abandon = new CancellationTokenSource();
            Task<string> stdout = KeepTailAsync(process.StandardOutput, arguments.TailChars, abandon.Token);
            Task<string> stderr = KeepTailAsync(process.StandardError, arguments.TailChars, abandon.Token);
            Task stdin = FeedAsync(process.StandardInput, arguments.Stdin, abandon.Token);

            using CancellationTokenSource stop = deadline is null
                ? CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken)
                : CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, deadline.Token);

            bool killed = false;
            try
            {
                await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                killed = KillTree(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            TimeSpan duration = time.GetElapsedTime(started);
            bool cancelled = killed && context.CancellationToken.IsCancellationRequested;
            if (cancelled)
            {
                await abandon.CancelAsync().ConfigureAwait(false);
            }

            Task pipes = Task.WhenAll(stdout, stderr, stdin);
            try
            {
                await pipes.WaitAsync(PipeGrace, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await abandon.CancelAsync().ConfigureAwait(false);
                await pipes.ConfigureAwait(false);
            }

            if (cancelled)
            {
                throw new OperationCanceledException($"Task '{context.Kind}' was cancelled; '{arguments.Argv[0]}' and its child processes were killed.", context.CancellationToken);
            }

            return new CommandResult
            {
                ExitCode = process.ExitCode,
                StdoutTail = await stdout.ConfigureAwait(false),
                StderrTail = await stderr.ConfigureAwait(false),
                Duration = duration,
                TimedOut = killed,
            };
        }
        finally
        {
            // Normally a no-op: the program has exited. If this call failed on the way, it must not leave
            // the program running unwatched.
            KillTree(process);
            RunningPrograms.Remove(process);
        }
    }

    private static Process Start(CommandArgs arguments, string kind)
    {
        string program = arguments.Argv[0];
        if (arguments.WorkingDirectory is { } directory && !Directory.Exists(directory))
        {
            throw CannotStart(program, kind, $"its working directory '{directory}' does not exist");
        }

        var start = new ProcessStartInfo
        {
            FileName = ProgramPath.Resolve(arguments, kind),
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            WorkingDirectory = arguments.WorkingDirectory ?? string.Empty,
        };
        for (int i = 1; i < arguments.Argv.Count; i++)
        {
            start.ArgumentList.Add(arguments.Argv[i]);
        }

        foreach ((string name, string? value) in arguments.Environment ?? new Dictionary<string, string?>())
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

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
            return process;
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw CannotStart(program, kind, e.Message, e);
        }
    }

    internal static InvalidOperationException CannotStart(string program, string kind, string reason, Exception? inner = null) =>
        new($"Cannot start '{program}' for task '{kind}': {reason}.", inner);

    /// <summary>Kills the program and its descendants; returns false when it had exited on its own first.</summary>
    private static bool KillTree(Process process)
    {
        if (process.HasExited)
        {
            return false;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or AggregateException)
        {
            // Best effort: the program or one of its children exited between the listing and the signal.
            // Waiting for the program's exit follows, so a program that really survived is not reported gone.
        }

        return true;
    }

    private static async Task<string> KeepTailAsync(StreamReader output, int tailChars, CancellationToken abandon)
    {
        var tail = new OutputTail(tailChars);
        char[] chunk = new char[4096];
        try
        {
            int read;
            while ((read = await output.ReadAsync(chunk, abandon).ConfigureAwait(false)) > 0)
            {
                tail.Append(chunk.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // The program ended and the grace for its pipes is over: keep what arrived.
        }

        return tail.ToString();
    }

    private static async Task FeedAsync(StreamWriter input, string? text, CancellationToken abandon)
    {
        // Bytes go straight to the pipe, not through the writer, so disposing the writer never has buffered
        // text to flush: a blocking flush into a pipe nobody reads would hang the call.
        try
        {
            if (!string.IsNullOrEmpty(text))
            {
                await input.BaseStream.WriteAsync(Utf8.GetBytes(text), abandon).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The program exited or closed its standard input without reading it all (a broken pipe);
            // like Python, that is the program's business and not an error of the call.
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                input.Dispose();
            }
            catch (IOException)
            {
                // Disposing flushes the pipe, which reports a broken pipe again; the pipe is closed regardless.
            }
        }
    }

    /// <summary>
    /// The programs running now, killed with their process trees if this worker process exits first, so a
    /// stopped or recycled worker leaves no orphans running. It is static because the event it answers is:
    /// <see cref="AppDomain.ProcessExit"/> fires once per process, whichever catalogs and pools started the
    /// programs. It holds no setting and nothing outside this file can see it.
    /// </summary>
    private static class RunningPrograms
    {
        // Written by RunAsync on any thread (Add, Remove) and by the exit handler; guarded by Gate.
        private static readonly HashSet<Process> Running = [];
        private static readonly Lock Gate = new();

        // Written under Gate: whether the exit handler is hooked, and whether it has run.
        private static bool _hooked;
        private static bool _exiting;

        internal static void Add(Process process)
        {
            lock (Gate)
            {
                if (!_hooked)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
                    _hooked = true;
                }

                if (!_exiting)
                {
                    Running.Add(process);
                    return;
                }
            }

            KillTree(process);
        }

        internal static void Remove(Process process)
        {
            lock (Gate)
            {
                Running.Remove(process);
            }
        }

        // Holding Gate while killing makes RunAsync's Remove (and so its Dispose of the process) wait for it.
        private static void KillAll()
        {
            lock (Gate)
            {
                _exiting = true;
                foreach (Process process in Running)
                {
                    KillTree(process);
                }

                Running.Clear();
            }
        }
    }
}
