namespace Spindle.Pools;

/// <summary>
/// The queued items in the order they will run: a priority heap, plus a first-in-first-out lane for
/// items that arrive already in order. Not thread-safe: the pool guards it with its lock.
/// </summary>
/// <remarks>
/// With equal priorities, and with aging whatever the priorities, most items arrive with a key no smaller
/// than the last one queued: those go to the lane at O(1) instead of costing a heap push and a heap pop of
/// O(log n) each. The next item is the smaller of the lane's head and the heap's top, so the order is
/// exactly the heap's order would be.
/// </remarks>
internal sealed class ReadyQueue
{
    internal const byte NoLane = 0;
    internal const byte HeapLane = 1;
    internal const byte FifoLane = 2;

    // In the first-in-first-out lane, withdrawn and counted in _fifoWithdrawn, waiting to be skipped.
    internal const byte WithdrawnFromFifo = 3;

    // No comparer given: for a struct key the default comparer is devirtualised and inlined.
    private readonly PriorityQueue<IWorkItem, WorkKey> _heap = new();
    private readonly Queue<IWorkItem> _fifo = new();
    private WorkKey _fifoTail;

    // Items withdrawn while in the lane; they stay until taken or compacted away.
    private int _fifoWithdrawn;

    internal int Count => _heap.Count + _fifo.Count - _fifoWithdrawn;

    internal void Add(IWorkItem item)
    {
        ref WorkSlot slot = ref item.Slot;
        if (_fifo.Count == 0 || slot.Key.CompareTo(_fifoTail) >= 0)
        {
            _fifo.Enqueue(item);
            _fifoTail = slot.Key;
            slot.Lane = FifoLane;
        }
        else
        {
            _heap.Enqueue(item, slot.Key);
            slot.Lane = HeapLane;
        }
    }

    /// <summary>Takes the item with the smallest key; items withdrawn meanwhile come out too, for the caller to skip.</summary>
    internal bool TryTake(out IWorkItem item)
    {
        bool inFifo = _fifo.TryPeek(out IWorkItem? first);
        bool inHeap = _heap.TryPeek(out IWorkItem? top, out WorkKey topKey);
        if (inFifo && (!inHeap || first!.Slot.Key.CompareTo(topKey) <= 0))
        {
            item = _fifo.Dequeue();
            if (item.Slot.Lane == WithdrawnFromFifo)
            {
                _fifoWithdrawn--;
            }
        }
        else if (inHeap)
        {
            item = _heap.Dequeue();
        }
        else
        {
            item = null!;
            return false;
        }

        item.Slot.Lane = NoLane;
        return true;
    }

    /// <summary>Removes a withdrawn item: at once from the heap; from the lane when it is taken or compacted.</summary>
    internal void Remove(IWorkItem item)
    {
        ref WorkSlot slot = ref item.Slot;
        if (slot.Lane == HeapLane)
        {
            _heap.Remove(item, out _, out _, ReferenceEqualityComparer.Instance);
            slot.Lane = NoLane;
        }
        else if (slot.Lane == FifoLane)
        {
            slot.Lane = WithdrawnFromFifo;
            if (++_fifoWithdrawn > 64 && _fifoWithdrawn > _fifo.Count / 2)
            {
                Compact();
            }
        }
    }

    /// <summary>Mostly withdrawn items: rebuild the lane so they cannot pile up behind a busy pool.</summary>
    private void Compact()
    {
        int count = _fifo.Count;
        for (int i = 0; i < count; i++)
        {
            IWorkItem kept = _fifo.Dequeue();
            if (kept.Slot.State == WorkSlot.Cancelled)
            {
                kept.Slot.Lane = NoLane;
            }
            else
            {
                _fifo.Enqueue(kept);
            }
        }

        _fifoWithdrawn = 0;
    }
}
