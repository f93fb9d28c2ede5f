using System.Runtime.InteropServices;

namespace Spindle.Pools;

/// <summary>
/// The pool's hot counters, on cache lines apart from each other and from the pool's read-mostly
/// fields: submitters write <see cref="Admitted"/> and <see cref="Sequence"/>, workers write
/// <see cref="Taken"/> and the call counts. Sharing a line would make every submit and every dequeue
/// pull it from the other core.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 320)]
internal struct PoolCounters
{
    /// <summary>Items ever admitted to the queue, less those that backed out. Interlocked, by submitters.</summary>
    [FieldOffset(64)]
    internal long Admitted;

    /// <summary>The last sequence number given out (first come, first served among equals). Interlocked, by submitters.</summary>
    [FieldOffset(72)]
    internal long Sequence;

    /// <summary>
    /// <see cref="Taken"/> plus the capacity, as a submitter last read it: admissions below it need not
    /// read <see cref="Taken"/>, whose line the workers keep changing. Written by submitters, racily: a
    /// stale, lower value only costs one more read of <see cref="Taken"/>.
    /// </summary>
    [FieldOffset(80)]
    internal long AdmitLimit;

    /// <summary>Items that left the queue: started, withdrawn or abandoned. Written under the pool's lock.</summary>
    [FieldOffset(192)]
    internal long Taken;

    /// <summary>Calls running now. Written under the pool's lock; read by the metric callbacks.</summary>
    [FieldOffset(200)]
    internal long Running;

    /// <summary>Calls that returned. Written under the pool's lock; read by the metric callbacks.</summary>
    [FieldOffset(208)]
    internal long Completed;

    /// <summary>Calls that threw or were cancelled while running. Written under the pool's lock.</summary>
    [FieldOffset(216)]
    internal long Failed;
}
