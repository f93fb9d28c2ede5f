using System.Collections.Concurrent;

namespace Spindle.Queue;

/// <summary>The attempts this worker holds leases on, by job id: added at claim, removed when the outcome is written or dropped.</summary>
internal sealed class HeldJobs
{
    // Added to by the fetcher, removed from by the completer and the runners, read (snapshots) by the lease renewer.
    private readonly ConcurrentDictionary<long, HeldJob> _jobs = new();

    internal int Count => _jobs.Count;

    /// <summary>Holds <paramref name="held"/>; returns the earlier attempt of the same job this worker still held, if any.</summary>
    internal HeldJob? Add(HeldJob held)
    {
        while (true)
        {
            if (_jobs.TryGetValue(held.Job.Id, out HeldJob? current))
            {
                if (_jobs.TryUpdate(held.Job.Id, held, current))
                {
                    return current;
                }
            }
            else if (_jobs.TryAdd(held.Job.Id, held))
            {
                return null;
            }
        }
    }

    internal bool Contains(HeldJob held) => _jobs.TryGetValue(held.Job.Id, out HeldJob? current) && ReferenceEquals(current, held);

    internal void Release(HeldJob held)
    {
        _jobs.TryRemove(new KeyValuePair<long, HeldJob>(held.Job.Id, held));
        held.Dispose();
    }

    internal List<HeldJob> Snapshot() => [.. _jobs.Values];
}
