using System.Diagnostics;
using System.Globalization;

namespace Spindle.Cli.Bench;

/// <summary>
/// The <c>spindle worker</c> processes of one queue benchmark run: started with the same host and program as the
/// running tool, their peak RSS read from <c>/proc/&lt;pid&gt;/status</c> when the run ends, stopped with SIGTERM (graceful) and
/// killed if they have not exited within <see cref="StopPatience"/>. Dispose always leaves no process behind.
/// </summary>
internal sealed class BenchWorkerProcesses : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    // Started in Start, never changed after.
    private readonly List<Process> _processes = [];

    // Each process's start line ("Worker ... serving ...") sets its signal; written by the output callbacks.
    private readonly List<TaskCompletionSource> _started = [];

    // The last lines a worker wrote to stderr, for the error message when it fails; guarded by locking the queue.
    private readonly LastLines _errors = new();

    // The largest of the workers' peaks, read as they are stopped (DisposeAsync); read after it.
    private long _peakRssKb;

    // Set by the first DisposeAsync (the caller's one thread): a second does nothing.
    private bool _disposed;

    /// <summary>The largest peak RSS of one worker process; known once the workers are disposed.</summary>
    internal double PeakRssMb => Math.Round(_peakRssKb / 1024.0, 1);

    internal static BenchWorkerProcesses Start(int count, string store, string queue, int concurrency)
    {
        var workers = new BenchWorkerProcesses();
        try
        {
            for (int i = 0; i < count; i++)
            {
                // The store goes by environment, not argument: a PostgreSQL connection string carries a password,
                // and a process's arguments are visible to every user of the machine (ps).
                ProcessStartInfo start = ToolProcess.Worker(["--exit-with-parent", "--queues", queue, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)]);
                start.Environment["SPINDLE_STORE"] = store;
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var process = new Process { StartInfo = start, EnableRaisingEvents = true };
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data?.StartsWith("Worker ", StringComparison.Ordinal) == true)
                    {
                        started.TrySetResult();
                    }
                };
                process.ErrorDataReceived += (_, e) => workers._errors.Add(e.Data);
                process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"A worker process exited with code {process.ExitCode} before it started: {workers.LastErrors()}"));
                process.Start();
                workers._processes.Add(process);
                workers._started.Add(started);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }

            return workers;
        }
        catch
        {
            workers.KillAll();
            throw;
        }
    }

    /// <summary>Completes when every worker has printed its start line; fails when one exits first or the time runs out.</summary>
    internal Task WaitStartedAsync(TimeSpan patience, CancellationToken cancellationToken) =>
        Task.WhenAll(_started.Select(s => s.Task)).WaitAsync(patience, cancellationToken);

    /// <summary>Throws when a worker has exited while it should be running.</summary>
    internal void ThrowIfAnyExited()
    {
        foreach (Process process in _processes)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"A worker process exited with code {process.ExitCode} during the run: {LastErrors()}");
            }
        }
    }

    /// <summary>SIGTERM to every worker (a graceful stop), then a kill for any still running after <see cref="StopPatience"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // The kernel keeps each process's peak (VmHWM): read once, nothing samples during the run.
        _peakRssKb = _processes.Select(p => PeakRssKb(p.Id)).DefaultIfEmpty(0).Max();
        foreach (Process process in _processes)
        {
            Interrupt(process);
        }

        using var patience = new CancellationTokenSource(StopPatience);
        foreach (Process process in _processes)
        {
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                // Past its grace: killed below.
            }
        }

        KillAll();
        foreach (Process process in _processes)
        {
            process.Dispose();
        }
    }

    private void KillAll()
    {
        foreach (Process process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(StopPatience);
                }
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill, or never started.
            }
        }
    }

    private static void Interrupt(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            if (OperatingSystem.IsWindows())
            {
                process.Kill(entireProcessTree: true);
                return;
            }

            // .NET has no API to send a signal other than SIGKILL to another process; kill(1) sends SIGTERM. (SIGTERM
            // rather than SIGINT: a shell starts background jobs with SIGINT ignored, and .NET keeps it ignored.)
            using Process? kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
            kill?.WaitForExit(StopPatience);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill(1): DisposeAsync kills it after the grace period.
        }
    }

    /// <summary>The VmHWM line (peak RSS) of <c>/proc/&lt;pid&gt;/status</c> in kB; 0 where there is no such file (not Linux, or the process is gone).</summary>
    private static long PeakRssKb(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    private string LastErrors() => _errors.ToString();
}
