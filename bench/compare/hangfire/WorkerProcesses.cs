using System.Diagnostics;
using System.Globalization;

/// <summary>
/// The <c>worker</c> processes of one run: this program started again (same dotnet host and dll), each with a
/// <see cref="Hangfire.BackgroundJobServer"/>. The largest peak RSS (VmHWM) of any one of them is read as they stop. They
/// stop when their stdin closes (a graceful server stop) and are killed if still running 30 s later.
/// </summary>
internal sealed class WorkerProcesses : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(30);

    // Filled in Start, never changed after.
    private readonly List<Process> _processes = [];
    private readonly List<TaskCompletionSource> _started = [];

    // The last stderr lines of any worker, for error messages; guarded by locking it.
    private readonly Queue<string> _errors = new();

    // The largest of the workers' peaks (the kernel's VmHWM), read as they are stopped; read after DisposeAsync.
    private long _peakRssKb;

    // Set by the first DisposeAsync: a second does nothing.
    private bool _disposed;

    internal double PeakRssMb => Math.Round(_peakRssKb / 1024.0, 1);

    internal static WorkerProcesses Start(int count, StorageTarget target, int concurrency, int pollMs)
    {
        var workers = new WorkerProcesses();
        string host = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(WorkerProcesses).Assembly.Location;
        for (int i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo(host)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(dll);
            }

            foreach (string argument in (string[])["worker", .. target.WorkerArguments(), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--poll-ms", pollMs.ToString(CultureInfo.InvariantCulture)])
            {
                start.ArgumentList.Add(argument);
            }

            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("Worker ", StringComparison.Ordinal) == true)
                {
                    started.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) => workers.Remember(e.Data);
            process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"A worker exited with code {process.ExitCode} before it started: {workers.LastErrors()}"));
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            workers._processes.Add(process);
            workers._started.Add(started);
        }

        return workers;
    }

    internal Task WaitStartedAsync(TimeSpan patience) => Task.WhenAll(_started.Select(s => s.Task)).WaitAsync(patience);

    internal void ThrowIfAnyExited()
    {
        foreach (Process process in _processes)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"A worker exited with code {process.ExitCode} during the run: {LastErrors()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Read once, as spindle bench queue does: nothing samples during the run.
        _peakRssKb = _processes.Select(p => PeakRssKb(p.Id)).DefaultIfEmpty(0).Max();
        foreach (Process process in _processes)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        using var patience = new CancellationTokenSource(StopPatience);
        foreach (Process process in _processes)
        {
            try
            {
                await process.WaitForExitAsync(patience.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            process.Dispose();
        }
    }

    /// <summary>The process's peak RSS (VmHWM) in kB; 0 when it is gone.</summary>
    private static long PeakRssKb(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return 0;
    }

    private void Remember(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_errors)
        {
            _errors.Enqueue(line);
            if (_errors.Count > 5)
            {
                _errors.Dequeue();
            }
        }
    }

    private string LastErrors()
    {
        lock (_errors)
        {
            return _errors.Count == 0 ? "(nothing on stderr)" : string.Join(" | ", _errors);
        }
    }
}
