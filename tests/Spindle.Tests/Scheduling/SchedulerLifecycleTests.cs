using System.Collections.Concurrent;
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
        Assert.True(probe.RecordedNothingMore);
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
