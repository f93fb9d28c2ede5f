using System.Runtime.InteropServices;

namespace Spindle.Cli;

/// <summary>
/// Ctrl+C and SIGTERM for a command that starts processes of its own (the tour, <c>spindle bench queue</c>). The
/// command line leaves both signals to the commands (<c>spindle worker</c> stops gracefully on its own), so such a
/// command takes them here: <see cref="Token"/> is cancelled and the command cleans up (stops its worker processes,
/// deletes its scratch files) instead of the process dying under it. A second signal is not held back.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _interrupted;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    // Guards _disposed: the runtime runs each signal's handlers on a thread of their own, which may still be on its
    // way after Dispose unregistered them, and must then not touch the disposed token source.
    private readonly Lock _gate = new();
    private bool _disposed;

    // 0 until the first signal; set once, by whichever handler thread gets there first (Interlocked).
    private int _exitCode;

    internal Interruption(CancellationToken cancellationToken)
    {
        _interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
    }

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM (or by the command line's own token).</summary>
    internal CancellationToken Token => _interrupted.Token;

    internal bool IsInterrupted => _interrupted.IsCancellationRequested;

    /// <summary>The shell's exit code for the signal that came: 143 for SIGTERM, 130 for Ctrl+C (and for a cancellation without one).</summary>
    internal int ExitCode => Volatile.Read(ref _exitCode) is 0 ? 130 : _exitCode;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _interrupted.Dispose();
        }
    }

    private void Interrupt(PosixSignalContext context)
    {
        bool first = Interlocked.CompareExchange(ref _exitCode, context.Signal == PosixSignal.SIGTERM ? 143 : 130, 0) == 0;

        // The first signal is ours to handle; a second one takes its default course and ends the process.
        context.Cancel = first;
        if (first)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _interrupted.Cancel();
                }
            }
        }
    }
}
