using System.Diagnostics;

namespace Spindle.Cli.Bench;

/// <summary>
/// Samples the managed heap and the working set every few milliseconds while an operation runs, and reports
/// the highest of each above what it was before (after a full collection).
/// </summary>
internal static class MemoryProbe
{
    internal sealed record Peaks(long HeapDeltaBytes, long WorkingSetDeltaBytes, long AllocatedBytes);

    internal static async Task<Peaks> MeasureAsync(Func<ValueTask> operation)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        process.Refresh();
        long workingSetBefore = process.WorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // Written by the sampling timer only; read after it has been disposed and waited for.
        long heapPeak = heapBefore;
        long workingSetPeak = workingSetBefore;
        void Sample(object? _)
        {
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
            process.Refresh();
            workingSetPeak = Math.Max(workingSetPeak, process.WorkingSet64);
        }

        var timer = new Timer(Sample, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(5));
        try
        {
            await operation();
        }
        finally
        {
            using var stopped = new ManualResetEvent(false);
            timer.Dispose(stopped);
            stopped.WaitOne();
        }

        Sample(null);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Peaks(heapPeak - heapBefore, workingSetPeak - workingSetBefore, allocated);
    }
}
