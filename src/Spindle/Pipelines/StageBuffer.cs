using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spindle.Pipelines;

/// <summary>
/// The bounded buffer in front of a stage: a channel of segments, bounded in items (not segments) by
/// permits a writer takes before its segment enters and a reader gives back as it takes one out, so a
/// partial segment costs only what it holds. Spare arrays are kept for the writers to fill again.
/// </summary>
internal sealed class StageBuffer<T> : SegmentTarget<T>, IStageBuffer
{
    private readonly Channel<Segment<T>> _channel;
    private readonly Lock _lock = new();

    // Guarded by _lock: free item permits, writers waiting for permits (first come, first served; each
    // waiter's segment enters the channel when it is granted), the most items ever held, and whether the
    // run stopped (no writer waits any more).
    private int _available;
    private readonly Queue<PermitWaiter<T>> _waiters = new();
    private int _peak;
    private bool _aborted;

    // Arrays given back by readers, taken by writers. Lock-free; _spareCount (Interlocked) caps how many are kept.
    private readonly ConcurrentQueue<T[]> _spares = new();
    private int _spareCount;
    private readonly int _maxSpares;
    private readonly Action? _writerWaiting;

    internal StageBuffer(PipelineRun run, string readerName, BufferShape shape, bool singleWriter)
    {
        run.Buffers.Add(this);
        _writerWaiting = run.Options.WriterWaiting is { } hook ? () => hook(readerName) : null;
        Capacity = shape.Capacity;
        SegmentSize = shape.SegmentSize;
        _available = shape.Capacity;
        _maxSpares = (shape.Capacity / shape.SegmentSize) + 16;
        _channel = Channel.CreateUnbounded<Segment<T>>(new UnboundedChannelOptions
        {
            SingleReader = shape.SingleReader,
            SingleWriter = singleWriter,
        });
    }

    internal int Capacity { get; }

    internal int SegmentSize { get; }

    /// <summary>Items in the buffer now (taken permits).</summary>
    internal int Depth => Capacity - Volatile.Read(ref _available);

    /// <summary>The most items the buffer has held at once; never more than <see cref="Capacity"/>.</summary>
    internal int Peak => Volatile.Read(ref _peak);

    internal override T[] Rent()
    {
        if (_spares.TryDequeue(out T[]? spare))
        {
            Interlocked.Decrement(ref _spareCount);
            return spare;
        }

        return new T[SegmentSize];
    }

    /// <summary>Gives a segment's array back once its items have been handed on.</summary>
    internal void Return(Segment<T> segment)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(segment.Items, 0, segment.Count);
        }

        if (segment.Items.Length == SegmentSize && Interlocked.Increment(ref _spareCount) <= _maxSpares)
        {
            _spares.Enqueue(segment.Items);
        }
        else if (segment.Items.Length == SegmentSize)
        {
            Interlocked.Decrement(ref _spareCount);
        }
    }

    internal override ValueTask<bool> WriteAsync(Segment<T> segment, PermitWaiter<T> waiter)
    {
        ValueTask<bool> granted;
        lock (_lock)
        {
            // Writing under the lock keeps segments in the order their permits were granted.
            if (_waiters.Count == 0 && _available >= segment.Count)
            {
                Admit(segment);
                return new ValueTask<bool>(true);
            }

            if (_aborted)
            {
                return new ValueTask<bool>(false);
            }

            granted = waiter.Arm(segment);
            _waiters.Enqueue(waiter);
        }

        _writerWaiting?.Invoke();
        return granted;
    }

    internal bool TryRead(out Segment<T> segment)
    {
        if (!_channel.Reader.TryRead(out segment))
        {
            return false;
        }

        Release(segment.Count);
        return true;
    }

    /// <summary>
    /// Waits for a segment; false once the buffer is completed and empty. It takes no token: a stopped run
    /// aborts its buffers instead (<see cref="Abort"/>), which lets the channel reuse one waiter throughout.
    /// </summary>
    internal ValueTask<bool> WaitToReadAsync() => _channel.Reader.WaitToReadAsync(CancellationToken.None);

    /// <summary>No more segments: readers finish once they have taken what is there.</summary>
    internal void Complete() => _channel.Writer.TryComplete();

    /// <summary>The run stopped: waiting writers give up, readers see the end.</summary>
    public void Abort()
    {
        PermitWaiter<T>[] waiting;
        lock (_lock)
        {
            _aborted = true;
            waiting = [.. _waiters];
            _waiters.Clear();
        }

        foreach (PermitWaiter<T> waiter in waiting)
        {
            waiter.Complete(admitted: false);
        }

        Complete();
    }

    private void Release(int count)
    {
        PermitWaiter<T>? first = null;
        List<PermitWaiter<T>>? more = null;
        lock (_lock)
        {
            _available += count;
            while (_waiters.TryPeek(out PermitWaiter<T>? head) && _available >= head.Segment.Count)
            {
                _waiters.Dequeue();
                Admit(head.Segment);
                if (first is null)
                {
                    first = head;
                }
                else
                {
                    (more ??= []).Add(head);
                }
            }
        }

        first?.Complete(admitted: true);
        if (more is not null)
        {
            foreach (PermitWaiter<T> waiter in more)
            {
                waiter.Complete(admitted: true);
            }
        }
    }

    // Called under _lock.
    private void Admit(Segment<T> segment)
    {
        _available -= segment.Count;
        _peak = Math.Max(_peak, Capacity - _available);
        _channel.Writer.TryWrite(segment);
    }
}
