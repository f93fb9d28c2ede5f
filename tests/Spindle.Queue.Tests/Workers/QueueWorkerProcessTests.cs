using Spindle.Processes;
using Spindle.Tasks;
using Spindle.TestWorker;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// Handlers on a <see cref="ProcessPool"/> (<see cref="QueueWorkerOptions.Processes"/>): jobs run in real worker
/// processes of tests/Workers/Spindle.TestWorker; a job that kills its process fails and retries by its policy while
/// the worker and every other job carry on.
/// </summary>
public sealed class QueueWorkerProcessTests : IAsyncLifetime
{
    private static readonly TestTasks Tasks = TestTasks.Create();
    private readonly TempDatabase _database = new();
    private JobQueue _queue = null!;
    private ProcessPool _pool = null!;

    public async Task InitializeAsync()
    {
        _queue = await JobQueue.OpenAsync(_database.ConnectionString, new JobQueueOptions { PollInterval = TimeSpan.FromMilliseconds(5) });
        _pool = await ProcessPool.StartAsync(Tasks.Catalog, new ProcessPoolOptions
        {
            WorkerCount = 2,
            WorkerProgram = Path.Combine(AppContext.BaseDirectory, "Spindle.TestWorker"),
            ShutdownGracePeriod = TimeSpan.FromSeconds(5),
        });
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        await _queue.DisposeAsync();
        _database.Dispose();
    }

    private QueueWorker Worker() => QueueWorker.Create(_queue, Tasks.Catalog, new QueueWorkerOptions
    {
        Queues = new Dictionary<string, int> { ["default"] = 2 },
        PollInterval = TimeSpan.FromMilliseconds(5),
        CompletionDelay = TimeSpan.FromMilliseconds(1),
        Processes = _pool,
    });

    private static readonly RetryBackoff Immediate = new() { Initial = TimeSpan.FromMilliseconds(1), Maximum = TimeSpan.FromMilliseconds(1), Jitter = 0 };

    [Fact]
    public async Task Jobs_run_in_the_pool_processes_and_their_results_are_kept()
    {
        IReadOnlyList<JobHandle<int>> pids = await _queue.EnqueueManyAsync(Tasks.Pid, Enumerable.Range(0, 20));
        JobHandle<long> square = await _queue.EnqueueAsync(Tasks.Square, 12L);
        await using (QueueWorker worker = Worker())
        {
            await worker.StartAsync();
            Assert.Equal(144L, await square.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            int[] ran = await Task.WhenAll(pids.Select(p => p.WaitAsync())).WaitAsync(TimeSpan.FromSeconds(30));
            int[] poolPids = [.. _pool.Workers.Select(w => w.ProcessId)];
            Assert.All(ran, pid => Assert.Contains(pid, poolPids));
            Assert.DoesNotContain(Environment.ProcessId, ran);
        }
    }

    [Fact]
    public async Task A_job_that_kills_its_process_fails_by_its_retry_policy_and_the_rest_carry_on()
    {
        JobHandle<int> exits = await _queue.EnqueueAsync(Tasks.Exit, 3, new EnqueueOptions { MaxAttempts = 2, Backoff = Immediate });
        JobHandle<int> throws = await _queue.EnqueueAsync(Tasks.Throw, "refused remotely", new EnqueueOptions { MaxAttempts = 1 });
        IReadOnlyList<JobHandle<long>> squares = await _queue.EnqueueManyAsync(Tasks.Square, Enumerable.Range(1, 30).Select(i => (long)i));
        await using (QueueWorker worker = Worker())
        {
            await worker.StartAsync();
            long[] results = await Task.WhenAll(squares.Select(s => s.WaitAsync())).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i * i), results);
            JobInfo crashed = await _queue.WaitUntilFinishedAsync(exits.Id).WaitAsync(TimeSpan.FromSeconds(30));
            JobInfo thrown = await _queue.WaitUntilFinishedAsync(throws.Id).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal((JobState.Dead, 2, TaskFailureKind.Crash, 3), (crashed.State, crashed.Attempt, crashed.Error!.Kind, crashed.Error.ExitCode));
            Assert.Equal((JobState.Dead, TaskFailureKind.Exception), (thrown.State, thrown.Error!.Kind));
            Assert.Contains("refused remotely", thrown.Error.Message, StringComparison.Ordinal);
            Assert.NotNull(thrown.Error.StackTrace);
        }

        Assert.True(_pool.Stats.WorkersLost >= 2, $"each attempt of the exiting job took down one pool process (lost: {_pool.Stats.WorkersLost})");
    }

    [Fact]
    public async Task The_handler_sees_the_jobs_id_attempt_and_claim_time_and_the_pool_never_calls_a_job_poison()
    {
        JobHandle<string> job = await _queue.EnqueueAsync(Tasks.JobOf, 0);
        JobHandle<int> exits = await _queue.EnqueueAsync(Tasks.Exit, 5, new EnqueueOptions { MaxAttempts = 4, Backoff = Immediate });
        await using (QueueWorker worker = Worker())
        {
            await worker.StartAsync();
            string seen = await job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal($"{job.Id} 1 {(await job.GetAsync())!.AttemptedAt!.Value.UtcTicks}", seen);

            // The pool calls a call poison after 3 crashes in a row; a job's retries are its own policy: all 4 attempts run.
            JobInfo dead = await _queue.WaitUntilFinishedAsync(exits.Id).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal((JobState.Dead, 4, TaskFailureKind.Crash, 5), (dead.State, dead.Attempt, dead.Error!.Kind, dead.Error.ExitCode));
        }

        Assert.True(_pool.Stats.WorkersLost >= 4, $"each of the 4 attempts ran and took down its process (lost: {_pool.Stats.WorkersLost})");
    }

    [Fact]
    public void More_concurrency_than_pool_processes_is_refused_with_the_numbers()
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => QueueWorker.Create(_queue, Tasks.Catalog, new QueueWorkerOptions
        {
            Queues = new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 },
            Processes = _pool,
        }));
        Assert.Contains("has 2 worker processes, fewer than the 3 jobs the queues run at once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runaway_job_past_its_timeout_is_killed_with_its_process()
    {
        JobHandle<int> spin = await _queue.EnqueueAsync(Tasks.Spin, 0, new EnqueueOptions { MaxAttempts = 1, Timeout = TimeSpan.FromMilliseconds(200) });
        await using (QueueWorker worker = Worker())
        {
            await worker.StartAsync();
            // The pool has no CallTimeout of its own: the job's timeout (and a second's grace) kills the spinning process.
            JobInfo info = await _queue.WaitUntilFinishedAsync(spin.Id).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal((JobState.Dead, TaskFailureKind.Timeout), (info.State, info.Error!.Kind));
            Assert.True(_pool.Stats.TimedOut >= 1, "the pool killed the runaway process");
            Assert.Equal(144L, await (await _queue.EnqueueAsync(Tasks.Square, 12L)).WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
