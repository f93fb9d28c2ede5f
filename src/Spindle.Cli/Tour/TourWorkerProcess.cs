using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Spindle.Cli.Tour;

/// <summary>
/// One real <c>spindle worker</c> process started by the queue chapter: it learns the worker's id from the start
/// line the command prints, can be killed with SIGKILL or stopped with SIGINT, and never outlives its disposal.
/// </summary>
internal sealed class TourWorkerProcess : IAsyncDisposable
{
    private const string StartPrefix = "Worker ";
    private const string StartInfix = " serving ";
    private const string StoppedLine = "Worker stopped.";
    private static readonly TimeSpan ExitPatience = TimeSpan.FromSeconds(10);

    private readonly Process _process;

    // Completed by the stdout reader with the worker id of the start line, or failed when the process exits first.
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The last lines of stderr, for the message when the worker fails; guarded by locking the queue.
    private readonly LastLines _errors = new();

    // Set by the stdout reader when the worker printed that it stopped (a graceful stop); read after the exit.
    private volatile bool _saidStopped;

    private TourWorkerProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    /// <summary>The name the chapter gives the worker: A, B.</summary>
    internal string Label { get; }

    internal int ProcessId => _process.Id;

    /// <summary>The worker's id as it records it on the jobs it claims; known once <see cref="Ready"/> completed.</summary>
    internal string WorkerId => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : "?";

    /// <summary>Completes with the worker id once the worker has opened the store and started serving.</summary>
    internal Task<string> Ready => _ready.Task;

    internal bool HasExited => _process.HasExited;

    /// <summary>Whether the worker printed its last line, <c>Worker stopped.</c>, before it exited.</summary>
    internal bool StoppedGracefully => _saidStopped;

    /// <summary>Starts <c>spindle worker</c> with the given arguments (after <c>worker</c>).</summary>
    internal static TourWorkerProcess Start(string label, IEnumerable<string> workerArguments)
    {
        ProcessStartInfo start = ToolProcess.Worker(["--exit-with-parent", .. workerArguments]);
        start.Environment.Remove("SPINDLE_STORE");
        var worker = new TourWorkerProcess(label, new Process { StartInfo = start, EnableRaisingEvents = true });
        worker._process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker._errors.Add(e.Data);
        worker._process.Exited += (_, _) => worker._ready.TrySetException(new InvalidOperationException(
            $"Worker {label} (spindle worker) exited with code {worker._process.ExitCode} before it started serving: {worker.LastErrors()}"));
        try
        {
            worker._process.Start();
        }
        catch (Win32Exception e)
        {
            worker._process.Dispose();
            throw new InvalidOperationException($"Worker {label} could not be started ({start.FileName}): {e.Message}", e);
        }

        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: the process dies at once, in the middle of whatever it runs, and renews no lease again.</summary>
    internal async Task<int> KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill();
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGTERM, as a service manager sends: the worker stops claiming, finishes what it runs, and exits. Returns its
    /// exit code, or null when it had not exited after <paramref name="patience"/> and was killed instead.
    /// </summary>
    internal async Task<int?> TerminateAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        // .NET sends no signal but SIGKILL to another process; kill(1) sends SIGTERM. (SIGTERM rather than SIGINT:
        // a shell starts background jobs with SIGINT ignored, and .NET keeps a signal ignored that it inherited so.)
        using (Process kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", ProcessId.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill(1) did not start."))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(patience);
        try
        {
            await _process.WaitForExitAsync(waiting.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await KillAsync(cancellationToken);
            return null;
        }
    }

    /// <summary>Kills the worker (and anything it started) if it still runs, and waits until it is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var patience = new CancellationTokenSource(ExitPatience);
                await _process.WaitForExitAsync(patience.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        catch (Win32Exception)
        {
            // The kill was refused: it is exiting already.
        }
        catch (OperationCanceledException)
        {
            // SIGKILL cannot be refused; a process still there after the patience is stuck in the kernel.
        }

        _process.Dispose();
    }

    internal string LastErrors() => _errors.ToString();

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        int infix = line.IndexOf(StartInfix, StringComparison.Ordinal);
        if (line.StartsWith(StartPrefix, StringComparison.Ordinal) && infix > StartPrefix.Length)
        {
            _ready.TrySetResult(line[StartPrefix.Length..infix]);
        }
        else if (line == StoppedLine)
        {
            _saidStopped = true;
        }
    }
}
