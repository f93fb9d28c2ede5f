using System.Diagnostics;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// The pool's side of one worker process: its pipes, the calls sent to it in order, a writer that sends
/// everything buffered in one write, a reader that hands answers to the pool, and a watcher that reports
/// the process's exit once its last answers have been read.
/// </summary>
internal sealed class WorkerConnection
{
    private const int InlineFlushBytes = 16 * 1024;

    // Who writes a worker's pipe. Exactly one thread flushes a connection at a time: whoever set
    // _flushScheduled (under the pool's lock) owns the flush until FlushLoop clears it. That owner is this
    // connection's reader thread (_flushHere, after it lets go of the lock), a submitting thread that queued
    // a large frame (t_flushAfterLock, written in its finally), or a thread-pool work item for everything
    // else, so that a burst of small submits shares one write. The thread-statics say which thread is which;
    // they are per thread on purpose, never state of the pool.
    [ThreadStatic]
    private static WorkerConnection? t_reader;

    [ThreadStatic]
    private static WorkerConnection? t_flushAfterLock;

    [ThreadStatic]
    private static bool t_mayFlushInline;

    private readonly ProcessWorkerPool _pool;
    private readonly Stream _input;
    private readonly FrameReader _reader;

    // The reader thread's own batch of frames; touched by that thread only.
    private readonly List<Frame> _batch = [];

    // Completed by the reader thread once the worker said hello (or failed to).
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completed by the reader thread when it ends; awaited by the exit watcher.
    private readonly TaskCompletionSource _readLoop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Frames waiting to be written: appended and swapped under the pool's lock. _sending is then written by
    // the flush owner alone, outside the lock.
    private FrameBuffer _pending = new();
    private FrameBuffer _sending = new();

    // Under the pool's lock: a flush is owned by some thread; the input closes once everything is written.
    private bool _flushScheduled;
    private bool _closeAfterFlush;

    // Set under the pool's lock when this connection's reader thread owns the flush; cleared by that thread.
    private bool _flushHere;

    // The exit watcher; set once by Run (before the worker can be handed to shutdown), read by shutdown.
    private Task _watch = Task.CompletedTask;

    internal WorkerConnection(ProcessWorkerPool pool, int id, Process process, Action<WorkerOutputLine> output, int maxPayloadBytes)
    {
        _pool = pool;
        Id = id;
        Process = process;
        ProcessId = process.Id;
        _input = process.StandardInput.BaseStream;
        _reader = new FrameReader(process.StandardOutput.BaseStream, maxPayloadBytes + (64 * 1024), static t => t is FrameType.Hello or FrameType.Result or FrameType.ChunkResult or FrameType.Progress);
        Tail = new StderrTail(id, ProcessId, output);
        OutputDrained = Tail.DrainAsync(process.StandardError);
    }

    internal int Id { get; }

    /// <summary>Whether the calling thread is one of the pool's reader threads.</summary>
    internal static bool IsReaderThread => t_reader is not null;

    internal ProcessWorkerPool Pool => _pool;

    /// <summary>Completes once the process has exited and the pool has dealt with it.</summary>
    internal Task Exited => _watch;

    internal int ProcessId { get; }

    internal Process Process { get; }

    internal StderrTail Tail { get; }

    internal Task OutputDrained { get; }

    // The fields below are read and written under the pool's lock.
    internal WorkerState State { get; set; } = WorkerState.Starting;

    /// <summary>Calls written to the worker and not answered, oldest (the running one) first.</summary>
    internal Queue<RemoteCall> Outstanding { get; } = new();

    internal HashSet<int> DefinedKinds { get; } = [];

    internal long CallsCompleted { get; set; }

    /// <summary>When the oldest outstanding call started: when it was sent to an idle worker, or when the call before it was answered.</summary>
    internal long HeadStartedAt { get; set; }

    /// <summary>The worker runs an isolated call and takes nothing else until it is answered.</summary>
    internal bool HoldsIsolated { get; set; }

    /// <summary>The pool asked the worker to exit (recycling or shutdown).</summary>
    internal bool ShutdownSent { get; set; }

    /// <summary>Why the pool killed the worker, when it did (a timeout, garbage on the pipe), and the call it blames.</summary>
    internal (TaskFailure Failure, RemoteCall? Call)? Verdict { get; set; }

    internal ITimer? Deadline { get; set; }

    internal FrameBuffer Pending => _pending;

    internal WorkerInfo Snapshot() => new(Id, ProcessId, State, CallsCompleted, Outstanding.Count);

    /// <summary>Schedules a flush of <see cref="Pending"/>; called under the pool's lock.</summary>
    internal void RequestFlush()
    {
        if (!_flushScheduled)
        {
            _flushScheduled = true;
            if (t_reader == this)
            {
                _flushHere = true;
            }
            else if (t_mayFlushInline && _pending.Length >= InlineFlushBytes && t_flushAfterLock is null)
            {
                // A map chunk: the sending thread writes it once it lets go of the lock. Small calls go
                // through the thread pool instead, so that a burst of submits shares one write.
                t_flushAfterLock = this;
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(static c => c.FlushLoop(), this, preferLocal: false);
            }
        }
    }

    /// <summary>Lets <see cref="RequestFlush"/> leave a large frame to this thread until <see cref="FlushLeftToThisThread"/>.</summary>
    internal static void MayFlushInline() => t_mayFlushInline = true;

    /// <summary>Writes what <see cref="RequestFlush"/> left to this thread; called after the pool's lock is released.</summary>
    internal static void FlushLeftToThisThread()
    {
        t_mayFlushInline = false;
        if (t_flushAfterLock is { } connection)
        {
            t_flushAfterLock = null;
            connection.FlushLoop();
        }
    }

    /// <summary>Closes the worker's input once everything pending is written; called under the pool's lock.</summary>
    internal void CloseInputAfterFlush()
    {
        _closeAfterFlush = true;
        RequestFlush();
    }

    /// <summary>
    /// Starts this worker's reader: a thread of its own, which first takes the hello (and the initializer's
    /// answer), then reads answers until the pipe closes. Every read is a plain blocking read: the pipe is
    /// never touched asynchronously, which would switch it to non-blocking mode and route every later read
    /// through the runtime's socket thread. The reader does not depend on the .NET thread pool either, so an
    /// application that blocks pool threads cannot delay answers; it also writes this worker's next calls
    /// itself (see <see cref="RequestFlush"/>).
    /// </summary>
    internal void StartReading(PoolKind? initializer, byte[] initializerArguments)
    {
        var reader = new Thread(() => ReadLoop(initializer, initializerArguments)) { IsBackground = true, Name = $"Spindle pool reader {Id}" };
        reader.Start();
    }

    /// <summary>Completes when the worker said hello and ran its initializer; throws with the reason when it
    /// exited, wrote something else, or the token fired first (the caller then kills it).</summary>
    internal Task HandshakeAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Starts watching for the process's exit, once the worker is ready.</summary>
    internal void Watch() => _watch = WatchAsync();

    /// <summary>Kills the process and everything it started; the exit watcher does the rest.</summary>
    internal void Kill()
    {
        try
        {
            Process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private void Handshake(PoolKind? initializer, byte[] initializerArguments)
    {
        Frame hello = NextFrame() ?? throw new EndOfStreamException("it exited before it said hello");
        if (hello.Type != FrameType.Hello)
        {
            throw new ProtocolException($"its first frame was {hello.Type}, not a hello");
        }

        var payload = new PayloadReader(hello.Payload.Span, hello.Type);
        uint magic = payload.ReadUInt32();
        ushort version = payload.ReadUInt16();
        if (magic != WireFormat.Magic || version != WireFormat.Version)
        {
            throw new ProtocolException($"its hello has magic 0x{magic:X8} and version {version}, not 0x{WireFormat.Magic:X8} and {WireFormat.Version}");
        }

        if (initializer is not null)
        {
            Initialize(initializer, initializerArguments);
        }
    }

    private void Initialize(PoolKind kind, byte[] arguments)
    {
        var buffer = new FrameBuffer();
        buffer.BeginFrame(FrameType.DefineKind);
        buffer.WriteInt32(kind.Id);
        buffer.WriteUtf8(kind.Name);
        buffer.EndFrame();
        buffer.BeginCall(FrameType.Call, id: 0, kind.Id, attempt: 1);
        buffer.WriteByte(0);
        buffer.WriteBytes(arguments);
        buffer.EndFrame();
        _input.Write(buffer.Written.Span);
        _input.Flush();

        Frame answer = NextFrame() ?? throw new EndOfStreamException($"it exited while running its initializer '{kind.Name}'");
        var payload = new PayloadReader(answer.Payload.Span, answer.Type);
        if (answer.Type != FrameType.Result || payload.ReadInt64() != 0)
        {
            throw new ProtocolException($"it answered its initializer with a {answer.Type} frame");
        }

        if (payload.ReadByte() != WireFormat.Succeeded)
        {
            string failure = System.Text.Encoding.UTF8.GetString(payload.Rest);
            throw new InvalidOperationException($"its initializer '{kind.Name}' failed: {failure}");
        }
    }

    private Frame? NextFrame()
    {
        Frame frame;
        while (!_reader.TryTake(out frame))
        {
            if (!_reader.Fill())
            {
                return null;
            }
        }

        return frame;
    }

    private void ReadLoop(PoolKind? initializer, byte[] initializerArguments)
    {
        t_reader = this;
        try
        {
            Handshake(initializer, initializerArguments);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            _readLoop.TrySetResult();
            return;
        }

        _ready.TrySetResult();
        try
        {
            while (_reader.Fill())
            {
                while (_reader.TryTake(out Frame frame))
                {
                    if (frame.Type == FrameType.Progress)
                    {
                        _pool.OnProgress(this, frame);
                    }
                    else
                    {
                        _batch.Add(frame);
                    }
                }

                if (_batch.Count > 0)
                {
                    _pool.OnAnswers(this, _batch);
                    _batch.Clear();
                }

                if (_flushHere)
                {
                    _flushHere = false;
                    FlushLoop();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe broke with the process; the exit watcher reports it.
        }
        catch (Exception e)
        {
            // Anything else that escapes reading an answer (garbage, an answer that contradicts the calls sent)
            // condemns this worker, never the application: this is a thread of our own, and an exception that
            // left it would end the process.
            _pool.OnGarbage(this, e as ProtocolException ?? new ProtocolException($"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            _readLoop.TrySetResult();
        }
    }

    private async Task WatchAsync()
    {
        await Process.WaitForExitAsync().ConfigureAwait(false);

        // Answers written just before the exit may still be in the pipe: read them before blaming anything.
        // A bound on the real clock, because a grandchild holding the pipes open must not stall the pool.
        await Task.WhenAny(Task.WhenAll(_readLoop.Task, OutputDrained), Task.Delay(TimeSpan.FromSeconds(2), TimeProvider.System)).ConfigureAwait(false);
        _pool.OnWorkerExited(this, Process.ExitCode);
        Process.Dispose();
    }

    private void FlushLoop()
    {
        while (true)
        {
            bool close = false;
            lock (_pool.Gate)
            {
                if (_pending.Length == 0)
                {
                    _flushScheduled = false;
                    if (!_closeAfterFlush)
                    {
                        return;
                    }

                    _closeAfterFlush = false;
                    close = true;
                }
                else
                {
                    (_pending, _sending) = (_sending, _pending);
                }
            }

            try
            {
                if (close)
                {
                    _input.Dispose();
                    return;
                }

                _input.Write(_sending.Written.Span);
                _input.Flush();
            }
            catch (IOException)
            {
                // The worker is gone; its exit watcher fails or requeues what it held.
            }
            catch (ObjectDisposedException)
            {
            }

            _sending.Clear();
        }
    }
}
