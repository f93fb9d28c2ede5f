using System.Threading.Channels;

namespace Spindle.Queue;

/// <summary>
/// One served queue inside a worker: its concurrency, how many of its jobs the worker holds, and the bounded
/// buffer its runners take claimed jobs from. The fetcher claims at most <see cref="Free"/> jobs, so the buffer
/// (capacity = concurrency) never fills and no job waits in it for longer than a runner takes to pick it up.
/// </summary>
internal sealed class QueueLane
{
    // Incremented by the fetcher when it claims, decremented by a runner once the job's outcome is handed to
    // the completer; read by the fetcher. Interlocked.
    private int _held;

    // 1 when the store hinted that jobs arrived: set by the store's listener thread, taken (reset) by the fetcher.
    // Interlocked.
    private int _woken;

    // The free slots the store read for the fetcher's claim once it held its lock (FreeSlots), 0 when not read since
    // the fetcher last took it. Written on the thread running the claim, taken by the fetcher after it. Interlocked.
    private int _freeInLock;

    internal QueueLane(string name, int concurrency)
    {
        Name = name;
        Concurrency = concurrency;
        Ready = Channel.CreateBounded<HeldJob>(new BoundedChannelOptions(concurrency) { SingleWriter = true });
        FreeSlots = () =>
        {
            int free = Free;
            Volatile.Write(ref _freeInLock, free);
            return free;
        };
    }

    internal string Name { get; }

    internal int Concurrency { get; }

    /// <summary>Claimed jobs waiting for a runner. Written by the fetcher only, read by this lane's runners.</summary>
    internal Channel<HeldJob> Ready { get; }

    /// <summary>Until when the fetcher leaves this queue alone because its last claim came back short. Fetcher only.</summary>
    internal DateTimeOffset IdleUntil { get; set; }

    internal int Free => Concurrency - Volatile.Read(ref _held);

    /// <summary><see cref="Free"/> for a claim to read again when the store holds its lock; the value read is kept for <see cref="TakeFreeInLock"/>.</summary>
    internal Func<int> FreeSlots { get; }

    /// <summary>The free slots the last claim read in the store's lock (0 if it did not), and forgets them.</summary>
    internal int TakeFreeInLock() => Interlocked.Exchange(ref _freeInLock, 0);

    internal void Take(int count) => Interlocked.Add(ref _held, count);

    internal void Return() => Interlocked.Decrement(ref _held);

    /// <summary>The store hinted that jobs of this queue may be available: the next look claims even if idle.</summary>
    internal void Wake() => Volatile.Write(ref _woken, 1);

    /// <summary>Whether a hint came since the last look (and forgets it).</summary>
    internal bool TakeWake() => Interlocked.Exchange(ref _woken, 0) == 1;
}
