using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// The worker side of a process pool. A reader thread takes frames off the input pipe (calls, chunks,
/// cancellations, shutdown); the main thread runs calls one at a time, in the order they came, and writes
/// each result before it starts the next. That last rule is what lets the pool blame a crash on exactly
/// one call: whatever was sent and not answered, except the oldest, never started.
/// </summary>
internal sealed class WorkerHost
{
    private readonly TaskCatalog _catalog;
    private readonly Stream _input;
    private readonly Stream _output;
    private const int FrameAllowance = 64 * 1024;

    private readonly int _maxPayloadBytes;
    private readonly FrameBuffer _results = new();
    private readonly Utf8JsonWriter _json;
    private readonly Dictionary<string, WorkerLogger> _loggers = new(StringComparer.Ordinal);

    // Serializes writes to the output pipe: results from the main thread, progress reports from any thread.
    private readonly Lock _writeLock = new();

    // Guards _calls, _kinds, _cancelled, _running, _runningCancellation, _inputClosed. The reader thread
    // adds; the main thread takes and runs.
    private readonly object _gate = new();
    private readonly Queue<IncomingCall> _calls = new();
    private readonly Dictionary<int, string> _kinds = [];
    private readonly HashSet<long> _cancelled = [];
    private long _running = -1;
    private long _lastTaken = -1;
    private CancellationTokenSource? _runningCancellation;
    private bool _inputClosed;

    private WorkerHost(TaskCatalog catalog, Stream input, Stream output, int maxPayloadBytes)
    {
        _catalog = catalog;
        _input = input;
        _output = output;
        _maxPayloadBytes = maxPayloadBytes;
        _json = new Utf8JsonWriter(_results, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Serves calls until the pool says shut down (exit code 0) or its pipe closes.</summary>
    internal static int Run(TaskCatalog catalog)
    {
        catalog.Freeze();

        // Programs this worker starts (the command kind) must not take themselves for workers too.
        Environment.SetEnvironmentVariable(WireFormat.WorkerVariable, null);
        int maxPayload = int.TryParse(Environment.GetEnvironmentVariable(WireFormat.MaxPayloadVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int limit) ? limit : 64 << 20;
        (Stream input, Stream output) = WorkerStreams.Take();
        Environment.SetEnvironmentVariable(WireFormat.MaxPayloadVariable, null);
        var host = new WorkerHost(catalog, input, output, maxPayload);
        host.SayHello();
        var reader = new Thread(host.ReadLoop) { IsBackground = true, Name = "Spindle worker reader" };
        reader.Start();
        return host.RunCalls();
    }

    private void SayHello()
    {
        _results.BeginFrame(FrameType.Hello);
        _results.WriteUInt32(WireFormat.Magic);
        _results.WriteUInt16(WireFormat.Version);
        _results.WriteInt32(Environment.ProcessId);
        _results.EndFrame();
        Flush();
    }

    private void ReadLoop()
    {
        // The limit is on JSON payloads; a frame adds its header fields (and a chunk a length per item).
        var reader = new FrameReader(_input, _maxPayloadBytes + FrameAllowance, static t => t is FrameType.DefineKind or FrameType.Call or FrameType.Chunk or FrameType.Cancel or FrameType.Shutdown);
        bool shutdown = false;
        try
        {
            while (reader.Fill())
            {
                while (reader.TryTake(out Frame frame))
                {
                    shutdown |= Accept(frame);
                }
            }
        }
        catch (ProtocolException e)
        {
            Console.Error.WriteLine($"Spindle worker {Environment.ProcessId}: the pool sent garbage, exiting. {e.Message}");
            Environment.Exit(WireFormat.ProtocolErrorExitCode);
        }
        catch (IOException)
        {
            // The pipe broke: the same as it closing.
        }

        if (!shutdown)
        {
            // The pool went away without saying goodbye (it crashed or was killed): stop now, whatever runs.
            Environment.Exit(WireFormat.OrphanedExitCode);
        }

        lock (_gate)
        {
            _inputClosed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private bool Accept(Frame frame)
    {
        var payload = new PayloadReader(frame.Payload.Span, frame.Type);
        CancellationTokenSource? cancel = null;
        lock (_gate)
        {
            switch (frame.Type)
            {
                case FrameType.DefineKind:
                    int id = payload.ReadInt32();
                    _kinds[id] = payload.ReadUtf8Rest();
                    return false;
                case FrameType.Call:
                case FrameType.Chunk:
                    _calls.Enqueue(IncomingCall.Read(frame.Type, ref payload, _kinds));
                    Monitor.Pulse(_gate);
                    return false;
                case FrameType.Cancel:
                    long call = payload.ReadInt64();
                    if (call == _running)
                    {
                        cancel = _runningCancellation;
                    }
                    else if (call > _lastTaken)
                    {
                        // Still queued here (calls arrive in increasing order); one already answered is ignored.
                        _cancelled.Add(call);
                    }

                    break;
                default:
                    return true;
            }
        }

        try
        {
            // Outside the lock: cancelling runs the handler's token callbacks, which are user code.
            cancel?.Cancel();
        }
        catch (AggregateException e)
        {
            Console.Error.WriteLine($"Spindle worker {Environment.ProcessId}: a cancellation callback threw: {e.InnerException?.Message}");
        }
        catch (ObjectDisposedException)
        {
            // The call finished meanwhile.
        }

        return false;
    }

    private int RunCalls()
    {
        while (true)
        {
            IncomingCall call;
            CancellationTokenSource cancellation = new();
            lock (_gate)
            {
                while (_calls.Count == 0)
                {
                    if (_inputClosed)
                    {
                        return 0;
                    }

                    Monitor.Wait(_gate);
                }

                call = _calls.Dequeue();
                _lastTaken = call.Id;
                if (_cancelled.Remove(call.Id))
                {
                    cancellation.Cancel();
                }

                _running = call.Id;
                _runningCancellation = cancellation;
            }

            Execute(call, cancellation.Token);
            lock (_gate)
            {
                _running = -1;
                _runningCancellation = null;
            }

            cancellation.Dispose();
            Flush();
        }
    }

    private void Execute(IncomingCall call, CancellationToken cancellationToken)
    {
        TaskHandler? handler = Find(call.Kind);
        if (!_loggers.TryGetValue(call.Kind, out WorkerLogger? logger))
        {
            _loggers.Add(call.Kind, logger = new WorkerLogger(call.Kind));
        }

        var context = new TaskContext(call.Kind, cancellationToken, call.Attempt, call.JobId?.ToString(CultureInfo.InvariantCulture),
            progress: call.ReportsProgress ? new ProgressFrames(this, call.Id) : null, logger: logger, attemptedAt: call.AttemptedAt);
        _results.BeginFrame(call.IsChunk ? FrameType.ChunkResult : FrameType.Result);
        _results.WriteInt64(call.Id);
        if (call.IsRaw)
        {
            ExecuteRaw(handler, call, context);
            _results.EndFrame();
            return;
        }

        if (call.IsChunk)
        {
            _results.WriteInt32(call.Items.Length);
            _results.WriteByte(WireFormat.JsonItems);
        }

        int frameAt = _results.Length;
        for (int item = 0; item < call.Items.Length; item++)
        {
            (int start, int length) = call.Items[item];
            int itemAt = _results.Length;
            int statusAt = _results.Reserve(1);
            int lengthAt = call.IsChunk ? _results.Reserve(4) : -1;
            int bodyAt = _results.Length;
            byte status = Invoke(handler, call, call.Data.AsSpan(start, length), context, bodyAt);
            _results.PatchStatus(statusAt, status);
            if (lengthAt >= 0)
            {
                _results.PatchUInt32(lengthAt, (uint)(_results.Length - bodyAt));
            }

            if (call.IsChunk && _results.Length - frameAt > _maxPayloadBytes)
            {
                // The chunk's answer would pass the pool's limit: this item and the rest fail with the reason.
                _results.Truncate(itemAt);
                var tooLarge = new InvalidOperationException($"The results of this chunk of task '{call.Kind}' pass the pool's {_maxPayloadBytes:N0}-byte payload limit; map with a smaller MapOptions.ChunkSize or raise ProcessPoolOptions.MaxPayloadBytes.");
                for (; item < call.Items.Length; item++)
                {
                    _results.WriteByte(WireFormat.Failed);
                    int failureLengthAt = _results.Reserve(4);
                    int failureAt = _results.Length;
                    WriteFailure(call.Kind, tooLarge, withStack: false);
                    _results.PatchUInt32(failureLengthAt, (uint)(_results.Length - failureAt));
                }
            }
        }

        _results.EndFrame();
    }

    /// <summary>Runs a chunk of raw integers through the handler's integer form; failed items are listed after the values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ExecuteRaw(TaskHandler? handler, IncomingCall call, TaskContext context)
    {
        Span<long> arguments = MemoryMarshal.Cast<byte, long>(call.Data.AsSpan());
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(arguments, arguments);
        }

        _results.WriteInt32(arguments.Length);
        _results.WriteByte(WireFormat.RawIntegers);
        int valuesAt = _results.Reserve(arguments.Length * sizeof(long));
        List<(int Index, Exception Error)>? failures = null;
        Span<long> values = MemoryMarshal.Cast<byte, long>(_results.Slice(valuesAt, arguments.Length * sizeof(long)));
        values.Clear(); // a failed item's slot is sent as 0, not as whatever the reused buffer held
        if (handler is { IsIntegerFunction: true })
        {
            // Nothing else writes to the frame while the chunk runs, so the reserved region stays put.
            handler.InvokeIntegers(arguments, values, context, ref failures);
        }
        else
        {
            var refused = new TaskArgumentException(call.Kind, $"Task kind '{call.Kind}' in worker process {Environment.ProcessId} {(handler is null ? "is unknown" : "does not take and return integers")}, but the pool sent it integers: the pool's and the worker's catalogs must register the same kinds with the same types.");
            failures = [.. Enumerable.Range(0, arguments.Length).Select(i => (i, (Exception)refused))];
        }

        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }

        _results.WriteInt32(failures?.Count ?? 0);
        foreach ((int index, Exception error) in failures ?? [])
        {
            _results.WriteInt32(index);
            int lengthAt = _results.Reserve(4);
            int bodyAt = _results.Length;
            WriteFailure(call.Kind, error, withStack: _results.Length - valuesAt < _maxPayloadBytes / 2);
            _results.PatchUInt32(lengthAt, (uint)(_results.Length - bodyAt));
        }
    }

    private byte Invoke(TaskHandler? handler, IncomingCall call, ReadOnlySpan<byte> arguments, TaskContext context, int bodyAt)
    {
        Exception failure;
        try
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (handler is null)
            {
                throw new TaskArgumentException(call.Kind, $"Unknown task kind '{call.Kind}' in worker process {Environment.ProcessId}: its catalog does not have it. The pool's and the worker's catalogs must register the same kinds.");
            }

            ValueTask running = handler.InvokeAsync(arguments, context, _results);
            if (!running.IsCompletedSuccessfully)
            {
                running.AsTask().GetAwaiter().GetResult();
            }

            if (_results.Length - bodyAt > _maxPayloadBytes)
            {
                throw new InvalidOperationException($"The result of task '{call.Kind}' is {_results.Length - bodyAt:N0} bytes of JSON, over the pool's payload limit; return less, or raise ProcessPoolOptions.MaxPayloadBytes.");
            }

            return WireFormat.Succeeded;
        }
        catch (Exception e)
        {
            failure = e;
        }

        _results.Truncate(bodyAt);
        WriteFailure(call.Kind, failure, withStack: bodyAt < _maxPayloadBytes / 2);
        return WireFormat.Failed;
    }

    /// <summary>Writes a failure as JSON; past half the payload limit without its stack trace, so that a chunk
    /// whose every item fails still fits.</summary>
    private void WriteFailure(string kind, Exception error, bool withStack)
    {
        TaskFailure failure = TaskFailure.FromException(kind, error);
        _json.Reset(_results);
        JsonSerializer.Serialize(_json, withStack ? failure : failure with { StackTrace = null }, TaskFailureJson.Default.TaskFailure);
        _json.Flush();
    }

    private TaskHandler? Find(string kind) => _catalog.Contains(kind) ? _catalog.FindHandler(kind) : null;

    private void Flush()
    {
        lock (_writeLock)
        {
            _output.Write(_results.Written.Span);
        }

        _results.Clear();
    }

    /// <summary>Writes one progress frame; any thread (an async handler reports from wherever it runs).</summary>
    private void WriteProgress(long id, TaskProgress report)
    {
        var frame = new FrameBuffer(64);
        frame.BeginFrame(FrameType.Progress);
        frame.WriteInt64(id);
        frame.WriteDouble(report.Fraction);
        frame.WriteUtf8(report.Message is { Length: > 1024 } message ? message[..1024] : report.Message ?? string.Empty);
        frame.EndFrame();
        lock (_writeLock)
        {
            _output.Write(frame.Written.Span);
        }
    }

    /// <summary>
    /// A running call's progress, forwarded to the pool: at most one report every 10 ms, and always a report of
    /// 1 or more (the end), so a handler that reports in a tight loop does not flood the pipe.
    /// </summary>
    private sealed class ProgressFrames(WorkerHost host, long id) : IProgress<TaskProgress>
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
        private readonly Lock _gate = new();
        private long _last;

        public void Report(TaskProgress value)
        {
            lock (_gate)
            {
                long now = TimeProvider.System.GetTimestamp();
                if (_last != 0 && value.Fraction < 1 && TimeProvider.System.GetElapsedTime(_last, now) < Interval)
                {
                    return;
                }

                _last = now;
            }

            host.WriteProgress(id, value);
        }
    }

    /// <summary>A call as it came off the pipe; its arguments are copied out of the reader's buffer, end to end.</summary>
    private sealed class IncomingCall
    {
        private IncomingCall(long id, string kind, int attempt, bool isChunk, byte[] data, (int Start, int Length)[] items, bool isRaw = false)
        {
            IsRaw = isRaw;
            Id = id;
            Kind = kind;
            Attempt = attempt;
            IsChunk = isChunk;
            Data = data;
            Items = items;
        }

        internal long Id { get; }

        internal string Kind { get; }

        internal int Attempt { get; }

        internal bool IsChunk { get; }

        /// <summary>The caller listens for the handler's progress reports.</summary>
        internal bool ReportsProgress { get; init; }

        /// <summary>The durable queue's job the call runs, if any.</summary>
        internal long? JobId { get; init; }

        /// <summary>When that job's attempt was claimed, if the call says.</summary>
        internal DateTimeOffset? AttemptedAt { get; init; }

        /// <summary>The chunk's items are raw 64-bit integers in <see cref="Data"/>.</summary>
        internal bool IsRaw { get; }

        internal byte[] Data { get; }

        internal (int Start, int Length)[] Items { get; }

        private static DateTimeOffset AttemptedAtOf(long ticks, long id) =>
            ticks is >= 0 and <= 3155378975999999999 // DateTime.MaxValue.Ticks
                ? new DateTimeOffset(ticks, TimeSpan.Zero)
                : throw new ProtocolException($"Call {id} carries {ticks} as its job's claim time, not a time.");

        internal static IncomingCall Read(FrameType type, ref PayloadReader payload, Dictionary<int, string> kinds)
        {
            long id = payload.ReadInt64();
            int kindId = payload.ReadInt32();
            int attempt = Math.Max(1, payload.ReadInt32());
            if (!kinds.TryGetValue(kindId, out string? kind))
            {
                throw new ProtocolException($"Call {id} names kind id {kindId}, which the pool never defined.");
            }

            if (type == FrameType.Call)
            {
                byte flags = payload.ReadByte();
                if ((flags & ~(WireFormat.ReportsProgress | WireFormat.CarriesJobId | WireFormat.CarriesAttemptedAt)) != 0)
                {
                    // The flags say which fields follow: one this worker does not know would shift the arguments.
                    throw new ProtocolException($"Call {id} has flags 0x{flags:X2}, some of which this worker does not know.");
                }

                long? jobId = (flags & WireFormat.CarriesJobId) != 0 ? payload.ReadInt64() : null;
                DateTimeOffset? attemptedAt = (flags & WireFormat.CarriesAttemptedAt) != 0 ? AttemptedAtOf(payload.ReadInt64(), id) : null;
                byte[] single = payload.Rest.ToArray();
                return new IncomingCall(id, kind, attempt, isChunk: false, single, [(0, single.Length)])
                {
                    ReportsProgress = (flags & WireFormat.ReportsProgress) != 0,
                    JobId = jobId,
                    AttemptedAt = attemptedAt,
                };
            }

            int count = payload.ReadInt32();
            if (count is < 1 or > 1 << 24)
            {
                throw new ProtocolException($"Chunk {id} claims {count} items.");
            }

            byte encoding = payload.ReadByte();
            if (encoding == WireFormat.RawIntegers)
            {
                ReadOnlySpan<byte> raw = payload.Rest;
                if (raw.Length != count * sizeof(long))
                {
                    throw new ProtocolException($"Chunk {id} claims {count} integers but carries {raw.Length} bytes.");
                }

                return new IncomingCall(id, kind, attempt, isChunk: true, raw.ToArray(), [], isRaw: true);
            }

            if (encoding != WireFormat.JsonItems)
            {
                throw new ProtocolException($"Chunk {id} has unknown encoding {encoding}.");
            }

            // Copy the blocks as they are ([u32 length][json] each) and remember where each item's JSON sits.
            ReadOnlySpan<byte> blocks = payload.Rest;
            byte[] data = blocks.ToArray();
            var items = new (int Start, int Length)[count];
            var walk = new PayloadReader(data, type);
            int position = 0;
            for (int i = 0; i < count; i++)
            {
                int length = walk.ReadBlock().Length;
                items[i] = (position + 4, length);
                position += 4 + length;
            }

            return new IncomingCall(id, kind, attempt, isChunk: true, data, items);
        }
    }
}
