using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Spindle.Pools;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// One run of a map over worker processes. The consumer's loop does everything: it reads the source a chunk
/// at a time, serializes the chunk's items end to end, queues the chunk, and, once
/// <see cref="MapOptions.Window"/> items are in flight, waits for the next chunk to answer before it reads
/// more. So the source is never read further ahead than the window, whatever its length.
/// </summary>
internal sealed class ProcessMapRun<TArgs, TResult>(ProcessPool pool, TaskKind<TArgs, TResult> kind, MapSource<TArgs> source, MapOptions options, bool ordered, bool inlineConsumer = false)
{
    private const double GrowBelowSeconds = 0.005;
    private const int MaxGuidedFloor = 64;
    private const double ShrinkAboveSeconds = 0.050;

    // With an inline consumer (ToArrayAsync: our own loop, no user code in it) a chunk's answer resumes the
    // consumer on the worker's reader thread, which then sends the next chunk itself: no thread-pool hop per
    // chunk. A consumer that is user code (await foreach) always resumes on the thread pool.
    private readonly Channel<Slot> _answered = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = inlineConsumer });
    private readonly int _window = options.WindowOr(65_536);
    private int _adaptiveChunk = 1;
    private long _known;

    /// <summary>Runs the map; yields each chunk's outcomes as the chunk completes, in source order when ordered.</summary>
    internal async IAsyncEnumerable<ChunkResults<TResult>> RunAsync(bool blameStopper, CancellationToken declared, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(declared, cancellationToken);
        PoolKind poolKind = pool.KindOf(kind.Name);
        MapSource<TArgs>.Reader reader = source.OpenReader(stop.Token);
        var inFlight = new Queue<Slot>();
        var arrived = new Dictionary<long, Slot>();
        var items = new TArgs[Math.Min(_window, 65_536)];
        var bytes = new ArrayBufferWriter<byte>(4096);
        int? known = source.KnownCount;
        _known = known ?? 0;
        long next = 0;
        int inFlightItems = 0;
        bool sourceDone = false;
        Exception? failure = null;
        try
        {
            while (true)
            {
                while (!sourceDone && failure is null && inFlightItems < _window)
                {
                    int size = Math.Min(ChunkSize(known is { } total ? total - next : null), items.Length);
                    if (size > _window - inFlightItems && inFlightItems > 0)
                    {
                        // Not room for a whole chunk: wait for one to answer rather than send a fragment.
                        break;
                    }

                    int read = await reader.ReadAsync(items, size, stop.Token).ConfigureAwait(false);
                    sourceDone = read < size;
                    if (read == 0)
                    {
                        break;
                    }

                    foreach (Slot slot in Serialize(poolKind, items, read, next, bytes, stop.Token))
                    {
                        // In flight only once the pool took it: a chunk refused (the pool shut down, the map was
                        // cancelled while waiting for room) will never answer, and must not be waited for.
                        await pool.EnqueueAsync(slot.Call).ConfigureAwait(false);
                        inFlight.Enqueue(slot);
                    }

                    Array.Clear(items, 0, read);
                    next += read;
                    inFlightItems += read;
                }

                if (inFlight.Count == 0)
                {
                    break;
                }

                Slot done = await NextAsync(inFlight, arrived).ConfigureAwait(false);
                inFlightItems -= done.Count;
                Adapt(done);
                Exception?[]? errors = done.Errors;
                for (int i = 0; errors is not null && i < errors.Length; i++)
                {
                    if (errors[i] is { } error)
                    {
                        if (failure is null && options.Failures == MapFailureMode.FailFast && error is not OperationCanceledException)
                        {
                            failure = error;
                            await stop.CancelAsync().ConfigureAwait(false);
                        }
                        else if (blameStopper && failure is not null && error is OperationCanceledException && !cancellationToken.IsCancellationRequested && !declared.IsCancellationRequested)
                        {
                            errors[i] = failure;
                        }
                    }
                }

                yield return new ChunkResults<TResult>(done.Start, done.Values, errors);
            }
        }
        finally
        {
            if (inFlight.Count > 0)
            {
                // The consumer left early or a failure stopped the map: cancel what is in flight and wait for
                // the workers to let go of it, so nothing of this map runs after the enumeration ends.
                await stop.CancelAsync().ConfigureAwait(false);
                while (inFlight.Count > 0)
                {
                    await NextAsync(inFlight, arrived).ConfigureAwait(false);
                }
            }

            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<Slot> NextAsync(Queue<Slot> inFlight, Dictionary<long, Slot> arrived)
    {
        if (!ordered)
        {
            Slot any = await _answered.Reader.ReadAsync().ConfigureAwait(false);
            inFlight.Dequeue(); // only the count matters when unordered
            return any;
        }

        Slot head = inFlight.Peek();
        while (!arrived.Remove(head.Start))
        {
            Slot slot = await _answered.Reader.ReadAsync().ConfigureAwait(false);
            arrived[slot.Start] = slot;
        }

        return inFlight.Dequeue();
    }

    /// <summary>
    /// Items in the next chunk. With a known length the chunks are guided: a quarter of what is left per
    /// worker, so they start large (little overhead) and shrink towards the end (no worker waits long for
    /// the last one); from a sequence of unknown length they grow while chunks answer quickly.
    /// </summary>
    private int ChunkSize(long? remaining)
    {
        if (options.ChunkSize is { } fixedSize)
        {
            return fixedSize;
        }

        int workers = pool.WorkerCount;
        int cap = Math.Max(1, _window / (workers * 4));
        if (remaining is not { } left)
        {
            return Math.Min(_adaptiveChunk, cap);
        }

        // The smallest chunk grows with the map: a few slow items go one per call, spread over the workers;
        // a million tiny ones never end in a long tail of single-item calls.
        int floor = (int)Math.Clamp(_known / (workers * 64), 1, MaxGuidedFloor);
        return (int)Math.Clamp(left / (workers * 4), Math.Min(floor, cap), cap);
    }

    private void Adapt(Slot done)
    {
        double seconds = Slot.Elapsed(done);
        if (seconds < GrowBelowSeconds && done.Count >= _adaptiveChunk)
        {
            _adaptiveChunk = Math.Min(_adaptiveChunk * 2, 1 << 20);
        }
        else if (seconds > ShrinkAboveSeconds)
        {
            _adaptiveChunk = Math.Max(_adaptiveChunk / 2, 1);
        }
    }

    /// <summary>Serializes <paramref name="count"/> items end to end into chunks no larger than the payload limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<Slot> Serialize(PoolKind poolKind, TArgs[] items, int count, long start, ArrayBufferWriter<byte> bytes, CancellationToken cancellationToken)
    {
        var slots = new List<Slot>(1);
        if (kind.IsIntegerFunction)
        {
            // Integer to integer: the items travel as raw numbers, one copy instead of a format and a parse
            // each, in chunks that stay within the payload limit.
            int perChunk = Math.Max(1, (pool.MaxPayloadBytes - 64) / sizeof(long));
            for (int from = 0; from < count; from += perChunk)
            {
                int take = Math.Min(perChunk, count - from);
                byte[] raw = GC.AllocateUninitializedArray<byte>(take * sizeof(long));
                Span<long> numbers = MemoryMarshal.Cast<byte, long>(raw.AsSpan());
                for (int i = 0; i < take; i++)
                {
                    TArgs item = items[from + i];
                    numbers[i] = typeof(TArgs) == typeof(long) ? Unsafe.As<TArgs, long>(ref item) : Unsafe.As<TArgs, int>(ref item);
                }

                if (!BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(numbers, numbers);
                }

                slots.Add(NewSlot(poolKind, start + from, ChunkArguments.Raw(raw), cancellationToken));
            }

            return slots;
        }

        int first = 0;
        while (first < count)
        {
            bytes.ResetWrittenCount();
            var offsets = new List<int>(count - first + 1) { 0 };
            int end = first;
            while (end < count)
            {
                kind.ArgumentsCodec.Write(bytes, items[end]);
                int itemBytes = bytes.WrittenCount - offsets[^1];
                pool.ThrowIfTooLarge(kind.Name, itemBytes);
                if (bytes.WrittenCount > pool.MaxPayloadBytes - (8 * (end - first + 1)) && end > first)
                {
                    // This item would push the chunk over the limit: it starts the next chunk.
                    break;
                }

                offsets.Add(bytes.WrittenCount);
                end++;
            }

            byte[] arguments = bytes.WrittenSpan[..offsets[^1]].ToArray();
            slots.Add(NewSlot(poolKind, start + first, ChunkArguments.Json(arguments, [.. offsets]), cancellationToken));
            first = end;
        }

        return slots;
    }

    private Slot NewSlot(PoolKind poolKind, long start, ChunkArguments arguments, CancellationToken cancellationToken)
    {
        var slot = new Slot(this, start, arguments.Count);
        slot.Call = new ChunkCall<TResult>(poolKind, start, arguments, kind.ResultCodec, slot, options.Priority, cancellationToken);
        return slot;
    }

    /// <summary>A chunk's place in the map: collects its outcomes (from the chunk, or from its parts after a crash).</summary>
    private sealed class Slot(ProcessMapRun<TArgs, TResult> run, long start, int count) : IChunkSink<TResult>
    {
        private readonly long _createdAt = TimeProvider.System.GetTimestamp();
        private int _remaining = count;
        private Exception?[]? _errors;

        public long Start => start;

        // Every value is written before it is read (a failed item's slot is never read), so it need not be zeroed.
        public TResult[] Values { get; } = GC.AllocateUninitializedArray<TResult>(count);

        internal int Count => Values.Length;

        /// <summary>Failures by item, created with the first one; read by the consumer after the last delivery.</summary>
        internal Exception?[]? Errors => _errors;

        internal RemoteCall Call { get; set; } = null!;

        internal static double Elapsed(Slot slot) => TimeProvider.System.GetElapsedTime(slot._createdAt).TotalSeconds;

        public void Fail(int offset, Exception error)
        {
            // Parts of a split chunk deliver from different workers' readers, so the array is created once, atomically.
            Exception?[] errors = _errors ?? Interlocked.CompareExchange(ref _errors, new Exception?[Values.Length], null) ?? _errors!;
            errors[offset] = error;
        }

        public void Delivered(int count)
        {
            if (Interlocked.Add(ref _remaining, -count) == 0)
            {
                run._answered.Writer.TryWrite(this);
            }
        }
    }
}
