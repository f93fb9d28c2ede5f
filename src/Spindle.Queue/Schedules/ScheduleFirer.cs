using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;
using Spindle.Scheduling;

namespace Spindle.Queue;

/// <summary>
/// A worker's part in recurring jobs, on the core <see cref="Scheduler"/>: one cron entry per stored schedule wakes
/// it at each moment (the scheduler is made when the first schedule is found), and a pass at start and every
/// <see cref="QueueWorkerOptions.ScheduleRefreshInterval"/> reloads the schedules (others may have set or removed some) and fires anything due that no entry caught: moments missed
/// while no worker ran fire once, late. Every wake-up ends in the store's compare-and-set
/// (<see cref="IJobStore.SchedulesFire"/>), so the timing here decides how soon a moment fires, never whether it
/// fires twice: however many workers wake for one moment, one job is enqueued. After this worker enqueues jobs it
/// calls <c>enqueued</c>, which wakes its own idle fetcher.
/// </summary>
internal sealed class ScheduleFirer(IJobStore store, QueueWorkerOptions options, TimeProvider time, ILogger logger, Action enqueued)
{
    // One pass at a time: the refresh loop's and the cron entries'. Guards _entries and _scheduler.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (string Cron, string Zone, Schedule Moments, ScheduledEntry Entry)> _entries = new(StringComparer.Ordinal);

    // The "now" of the last pass that looked for due schedules (guarded by _gate): a moment at or before it was fired
    // by that pass (or by another worker), so a cron entry waking for it has nothing left to do.
    private DateTimeOffset? _lastPassAt;

    // Made by the first pass that finds a schedule (a worker of a store without schedules never starts one); disposed
    // by RunAsync when it ends.
    private Scheduler? _scheduler;

    // Set under _gate when RunAsync ends: a cron entry's pass still waiting for the gate then does nothing.
    private bool _stopped;

    internal async Task RunAsync(CancellationToken stop)
    {
        using var refresh = new PeriodicTimer(options.ScheduleRefreshInterval, time);
        try
        {
            do
            {
                await PassAsync().ConfigureAwait(false);
            }
            while (await refresh.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            Scheduler? scheduler = _scheduler;
            _scheduler = null;
            _stopped = true;
            _gate.Release();
            if (scheduler is not null)
            {
                await scheduler.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reloads the schedules, keeps one cron entry per schedule, and fires what is due. <paramref name="wokenFor"/>
    /// names the schedule whose cron entry woke: when a pass since that schedule's latest moment has already run (N
    /// schedules due at once wake N entries, and the first one's pass fires them all), there is nothing to do.
    /// </summary>
    internal async ValueTask PassAsync(string? wokenFor = null)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            if (wokenFor is not null)
            {
                bool covered = _lastPassAt is { } last && _entries.TryGetValue(wokenFor, out var woken)
                    && !(woken.Moments.NextAfter(last) <= time.GetUtcNow());
                if (covered)
                {
                    options.Hooks?.SchedulePass?.Invoke(wokenFor, false);
                    return;
                }
            }

            // On a store with one maintenance leader (PostgreSQL) only the leader fires; the compare-and-set would
            // keep the others from firing twice anyway, this saves them the work.
            if (!await store.MaintenanceLeaderAcquire(CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }

            IReadOnlyList<JobScheduleInfo> schedules = await store.SchedulesList(new SchedulesListParams(), CancellationToken.None).ConfigureAwait(false);
            if (schedules.Count == 0 && _scheduler is null)
            {
                return;
            }

            _scheduler ??= Scheduler.Create(new SchedulerOptions { TimeProvider = time, MaxConcurrency = 1 });
            Dictionary<string, Schedule> moments = Track(_scheduler, schedules);
            await FireDueAsync(schedules, moments).ConfigureAwait(false);
            options.Hooks?.SchedulePass?.Invoke(wokenFor, true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WorkerLog.MaintenanceFailed(logger, "schedules", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Dictionary<string, Schedule> Track(Scheduler scheduler, IReadOnlyList<JobScheduleInfo> schedules)
    {
        var moments = new Dictionary<string, Schedule>(StringComparer.Ordinal);
        foreach (JobScheduleInfo schedule in schedules)
        {
            Schedule? cron;
            try
            {
                cron = ScheduleDefinitions.StoredMoments(schedule);
            }
            catch (ArgumentException e)
            {
                // A row this version cannot read (written by another, or by hand) costs only its own schedule.
                WorkerLog.ScheduleUnreadable(logger, schedule.Name, e.Message);
                continue;
            }

            if (cron is null)
            {
                WorkerLog.ScheduleZoneUnknown(logger, schedule.Name, schedule.TimeZone);
                continue;
            }

            moments[schedule.Name] = cron;
            if (_entries.TryGetValue(schedule.Name, out var tracked) && tracked.Cron == schedule.Cron && tracked.Zone == schedule.TimeZone)
            {
                continue;
            }

            tracked.Entry?.Dispose();
            string name = schedule.Name;
            ScheduledEntry entry = scheduler.Add(cron, _ => PassAsync(name), new EntryOptions { Name = "schedule:" + name, MissedRuns = MissedRunPolicy.RunOnce });
            _entries[name] = (schedule.Cron, schedule.TimeZone, cron, entry);
        }

        foreach (string gone in _entries.Keys.Where(name => !moments.ContainsKey(name)).ToList())
        {
            _entries[gone].Entry.Dispose();
            _entries.Remove(gone);
        }

        return moments;
    }

    private async Task FireDueAsync(IReadOnlyList<JobScheduleInfo> schedules, Dictionary<string, Schedule> moments)
    {
        DateTimeOffset now = time.GetUtcNow();
        var firings = new List<ScheduleFiring>();
        foreach (JobScheduleInfo schedule in schedules)
        {
            if (schedule.NextRunAt is not { } due || due > now || !moments.TryGetValue(schedule.Name, out Schedule? cron))
            {
                continue;
            }

            // Moments missed while no worker ran fire once, for the latest of them.
            DateTimeOffset occurrence = cron.LatestBetween(due, now);
            var job = new JobInsert(schedule.Kind, schedule.Queue, schedule.Arguments, schedule.Priority, now, ExpiresAt: null,
                schedule.MaxAttempts, schedule.Timeout, schedule.Backoff, ScheduleDefinitions.JobKey(schedule.Name, occurrence));
            firings.Add(new ScheduleFiring(schedule.Name, due, schedule.UpdatedAt, occurrence, cron.NextAfter(now), job));
        }

        if (firings.Count == 0)
        {
            _lastPassAt = now;
            return;
        }

        IReadOnlyList<ScheduleFired> fired = await store.SchedulesFire(new SchedulesFireParams(firings, now), CancellationToken.None).ConfigureAwait(false);
        if (fired.Count == firings.Count)
        {
            // A firing that lost its compare-and-set (set again meanwhile, or fired elsewhere from another reading)
            // leaves the moments open: the next wake-up looks again instead of waiting for the refresh pass.
            _lastPassAt = now;
        }
        foreach (ScheduleFired one in fired)
        {
            WorkerLog.ScheduleFired(logger, one.Name, one.Occurrence, one.JobId);
        }

        if (fired.Count > 0)
        {
            enqueued();
        }

        options.Hooks?.SchedulesFired?.Invoke(fired);
    }
}
