using System.Collections.Concurrent;
using Spindle.Pools;
using Spindle.Scheduling;
using Spindle.Tests.Pools;

namespace Spindle.Tests.Scheduling;

public sealed class SchedulerLifecycleTests
{
    private static readonly DateTimeOffset T0 = SchedulerProbe.T0;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_cancelled_entry_never_runs_and_completes()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry cancelled = scheduler.Every(TimeSpan.FromSeconds(10), probe.Record("cancelled"));
        ScheduledEntry kept = scheduler.Every(TimeSpan.FromSeconds(10), probe.Record("kept"));

        cancelled.Dispose();
        probe.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(("kept", T0.AddSeconds(10)), await probe.NextRunAsync());
        await probe.SettledAsync();
        Assert.True(cancelled.Completion.IsCompleted);
        Assert.Null(cancelled.NextRunAt);
        Assert.Equal(0, cancelled.RunCount);
        Assert.True(probe.RecordedNothingMore);
    }

    [Fact]
    public async Task CancelAsync_signals_a_running_target_and_completes_once_it_has_returned()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        var gate = new Gate();
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), async ct => await gate.PassAsync(ct));

        probe.Time.Advance(TimeSpan.FromSeconds(10));
        await gate.Entered;
        await entry.CancelAsync().WaitAsync(Patience); // the gate is never opened: only the token ends the run

        Assert.Equal(1, entry.RunCount);
        Assert.Equal(0, entry.FailureCount); // cancelled by its own token: not a failure
        Assert.Null(entry.NextRunAt);
    }

    [Fact]
    public async Task A_failing_target_is_reported_and_the_scheduler_keeps_running_it_and_others()
    {
        var probe = new SchedulerProbe();
        var failures = new ConcurrentQueue<OnRunFailedArguments>();
        int calls = 0;
        await using var scheduler = Scheduler.Create(probe.Options with
        {
            OnRunFailed = args =>
            {
                failures.Enqueue(args);
                throw new InvalidOperationException("a broken callback must not stop the scheduler either");
            },
        });
        ScheduledEntry flaky = scheduler.Every(TimeSpan.FromSeconds(10), ct =>
        {
            probe.Note("flaky");
            return Interlocked.Increment(ref calls) == 1 ? throw new TimeoutException("first run fails") : ValueTask.CompletedTask;
        }, options: new() { Name = "flaky" });

        probe.Time.Advance(TimeSpan.FromSeconds(10));
        await probe.NextRunAsync();
        await probe.SettledAsync();
        probe.Time.Advance(TimeSpan.FromSeconds(10));
        await probe.NextRunAsync();
        await probe.SettledAsync();

        OnRunFailedArguments failure = Assert.Single(failures);
        Assert.Same(flaky, failure.Entry);
        Assert.IsType<TimeoutException>(failure.Exception);
        Assert.Equal(T0.AddSeconds(10), failure.DueAt);
        Assert.Equal(2, flaky.RunCount);
        Assert.Equal(1, flaky.FailureCount);
        Assert.Equal(T0.AddSeconds(30), flaky.NextRunAt);
    }

    [Fact]
    public async Task Dispose_waits_for_a_running_target_completes_pending_entries_and_tolerates_a_second_call()
    {
        var probe = new SchedulerProbe();
        var scheduler = Scheduler.Create(probe.Options with { MaxConcurrency = 2 });
        var gate = new Gate();
        bool tokenSignalled = false;
        ScheduledEntry running = scheduler.At(T0.AddSeconds(1), async ct =>
        {
            await gate.PassAsync(CancellationToken.None);
            tokenSignalled = ct.IsCancellationRequested;
        });
        ScheduledEntry pending = scheduler.At(T0.AddHours(1), probe.Record("pending"));
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        await gate.Entered;

        Task disposing = scheduler.DisposeAsync().AsTask();
        Task again = scheduler.DisposeAsync().AsTask();

        Assert.False(disposing.IsCompleted); // the target is still inside the gate
        Assert.False(again.IsCompleted);
        await pending.Completion.WaitAsync(Patience);
        Assert.Throws<ObjectDisposedException>(() => scheduler.After(TimeSpan.Zero, probe.Record("late")));

        gate.Open();
        await Task.WhenAll(disposing, again).WaitAsync(Patience);
        await running.Completion.WaitAsync(Patience);
        Assert.False(tokenSignalled);
        await scheduler.DisposeAsync(); // a third time, after the fact
        probe.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, pending.RunCount);
        Assert.Null(pending.NextRunAt);
    }

    [Fact]
    public async Task CancelRunningOnDispose_signals_the_running_target()
    {
        var probe = new SchedulerProbe();
        var scheduler = Scheduler.Create(probe.Options with { CancelRunningOnDispose = true });
        var gate = new Gate();
        ScheduledEntry entry = scheduler.At(T0.AddSeconds(1), async ct => await gate.PassAsync(ct));
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        await gate.Entered;

        await scheduler.DisposeAsync().AsTask().WaitAsync(Patience); // the gate is never opened

        Assert.True(entry.Completion.IsCompleted);
        Assert.Equal(0, entry.FailureCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_run_started_just_before_its_entry_or_scheduler_is_disposed_does_not_call_the_target(bool disposeScheduler)
    {
        // The hook runs where the race lies: the entry is marked Running and its run started, the target not yet called.
        var probe = new SchedulerProbe();
        Scheduler? scheduler = null;
        Task? disposing = null;
        scheduler = Scheduler.Create(probe.Options with
        {
            BeforeRun = e =>
            {
                if (disposeScheduler)
                {
                    disposing = scheduler!.DisposeAsync().AsTask();
                }
                else
                {
                    e.Dispose();
                }
            },
        });
        ScheduledEntry entry = scheduler.At(T0.AddSeconds(1), probe.Record("doomed"));

        probe.Time.Advance(TimeSpan.FromSeconds(1));

        await entry.Completion.WaitAsync(Patience);
        if (disposing is not null)
        {
            await disposing.WaitAsync(Patience);
        }

        await scheduler.DisposeAsync();
        Assert.Equal(0, entry.RunCount);
        Assert.True(probe.RecordedNothingMore); // the target would have recorded before Completion
    }

    [Fact]
    public async Task A_target_that_cancels_its_own_entry_returns_and_the_entry_completes()
    {
        var probe = new SchedulerProbe();
        var scheduler = Scheduler.Create(probe.Options); // not 'await using': a hung run would hang the disposal too
        var self = new TaskCompletionSource<ScheduledEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), async ct =>
        {
            ScheduledEntry me = await self.Task;
            await me.CancelAsync(CancellationToken.None);
            probe.Note("after cancel");
        });
        self.SetResult(entry);

        probe.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("after cancel", (await probe.NextRunAsync()).Name);
        await entry.Completion.WaitAsync(Patience);
        Assert.Equal(1, entry.RunCount);
        Assert.Equal(0, entry.FailureCount);
        Assert.Null(entry.NextRunAt);
        await scheduler.DisposeAsync().AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task A_target_that_disposes_its_own_scheduler_waits_for_the_other_runs_but_not_for_itself()
    {
        var probe = new SchedulerProbe();
        var scheduler = Scheduler.Create(probe.Options with { MaxConcurrency = 2 });
        var gate = new Gate();
        ScheduledEntry other = scheduler.At(T0.AddSeconds(1), async ct =>
        {
            await gate.PassAsync(CancellationToken.None);
            probe.Note("other returned");
        });
        ScheduledEntry disposer = scheduler.At(T0.AddSeconds(2), async ct =>
        {
            probe.Note("disposing");
            await scheduler.DisposeAsync();
            probe.Note("disposed");
        });

        probe.Time.Advance(TimeSpan.FromSeconds(1));
        await gate.Entered;
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("disposing", (await probe.NextRunAsync()).Name);
        gate.Open();

        Assert.Equal(["other returned", "disposed"], (await probe.RunsAsync(2)).Select(r => r.Name));
        await scheduler.DisposeAsync().AsTask().WaitAsync(Patience);
        await Task.WhenAll(other.Completion, disposer.Completion).WaitAsync(Patience);
        Assert.Equal(0, disposer.FailureCount);
    }

    [Fact]
    public async Task A_throwing_token_callback_fails_disposal_only_after_the_runs_returned_and_a_second_call_does_not_hang()
    {
        var probe = new SchedulerProbe();
        var scheduler = Scheduler.Create(probe.Options with { CancelRunningOnDispose = true });
        var gate = new Gate();
        var callbackRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScheduledEntry entry = scheduler.At(T0.AddSeconds(1), async ct =>
        {
            using CancellationTokenRegistration registration = ct.Register(() =>
            {
                callbackRan.TrySetResult();
                throw new InvalidOperationException("a token callback that throws");
            });
            await gate.PassAsync(CancellationToken.None); // returns only when the test opens the gate
        });
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        await gate.Entered;

        Task first = scheduler.DisposeAsync().AsTask();
        await callbackRan.Task.WaitAsync(Patience);
        gate.Open();

        await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(Patience));
        Assert.True(entry.Completion.IsCompleted); // disposal waited for the run despite the failure
        await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.DisposeAsync().AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Runs_failing_at_once_on_a_disposed_pool_do_not_nest_on_the_stack()
    {
        var probe = new SchedulerProbe();
        var pool = WorkerPool.Create(new WorkerPoolOptions { MaxConcurrency = 1 });
        await pool.DisposeAsync();
        var depths = new ConcurrentQueue<int>();
        await using var scheduler = Scheduler.Create(probe.Options with
        {
            OnRunFailed = _ => depths.Enqueue(new System.Diagnostics.StackTrace().FrameCount),
        });
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, options: new() { Pool = pool, MissedRuns = MissedRunPolicy.RunAll });

        probe.Time.Advance(TimeSpan.FromSeconds(100)); // 100 occurrences due at once, each failing as it is submitted

        await probe.SettledAsync(100);
        Assert.Equal(100, entry.FailureCount);
        // The first run starts on the test's own (deep) stack inside Advance; no later one may nest on top of it.
        int first = depths.First();
        Assert.True(depths.Max() < first + 20, $"stack depth grew from {first} to {depths.Max()} frames");
    }

    [Theory]
    [InlineData("MaxConcurrency")]
    [InlineData("LateTolerance")]
    public void Options_out_of_range_are_refused_naming_the_option(string option)
    {
        SchedulerOptions options = option == "MaxConcurrency" ? new() { MaxConcurrency = 0 } : new() { LateTolerance = TimeSpan.FromSeconds(-1) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Scheduler.Create(options));

        Assert.Contains($"SchedulerOptions.{option}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entry_options_out_of_range_are_refused_naming_the_option()
    {
        await using var scheduler = Scheduler.Create(new SchedulerOptions { TimeProvider = new SchedulerProbe().Time });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.After(TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, new() { Jitter = TimeSpan.FromDays(2) }));

        Assert.Contains("EntryOptions.Jitter", error.Message, StringComparison.Ordinal);
    }
}
