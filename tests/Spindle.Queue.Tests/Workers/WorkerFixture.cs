using System.Diagnostics;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Workers;

/// <summary>
/// A queue on a fresh SQLite file and a catalog of test kinds whose handlers tests can hold: <c>test.double</c>
/// (x → 2x), <c>test.flaky</c> (fails until its attempt reaches the argument), <c>test.fail</c> (always fails),
/// <c>test.hold</c> (signals <see cref="Entered"/>, then waits for <see cref="Gate"/> or its token).
/// </summary>
public abstract class WorkerFixture : IAsyncLifetime
{
    private int _running;
    private int _maxRunning;

    protected WorkerFixture()
    {
        Catalog = new TaskCatalog();
        Double = Catalog.Add<int, int>("test.double", (x, _) => x * 2);
        Catalog.Add<int, string>("test.flaky", (failUntil, context) =>
            context.Attempt < failUntil ? throw new InvalidOperationException($"flaky failure on attempt {context.Attempt}") : $"ok on {context.Attempt}");
        Catalog.Add("test.fail", new Func<string, TaskContext, int>((message, _) => throw new InvalidOperationException(message)));
        Catalog.Add<int, string>("test.fenced", async (_, context) =>
        {
            // The first attempt waits for the gate whatever its token says: a worker that hung or lost its database.
            if (context.Attempt == 1)
            {
                await Gate.Task;
                return "first";
            }

            return "second";
        });
        Hold = Catalog.Add<int, int>("test.hold", async (x, context) =>
        {
            int now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxRunning, now);
            Entered.Writer.TryWrite((x, context.Attempt));
            try
            {
                await Gate.Task.WaitAsync(context.CancellationToken);
                return x;
            }
            catch (OperationCanceledException)
            {
                CancelledHandlers.Add(x);
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        });
    }

    protected TempDatabase Database { get; } = new();

    protected TaskCatalog Catalog { get; }

    protected TaskKind<int, int> Double { get; }

    protected TaskKind<int, int> Hold { get; }

    /// <summary>Each held handler writes (argument, attempt) here when it starts.</summary>
    protected Channel<(int Argument, int Attempt)> Entered { get; } = Channel.CreateUnbounded<(int, int)>();

    /// <summary>Held handlers return when this completes.</summary>
    protected TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected ConcurrentBag<int> CancelledHandlers { get; } = [];

    protected int MaxRunning => Volatile.Read(ref _maxRunning);

    protected JobQueue Queue { get; private set; } = null!;

    protected virtual TimeProvider Clock => TimeProvider.System;

    public virtual async Task InitializeAsync() =>
        Queue = await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { TimeProvider = Clock, PollInterval = TimeSpan.FromMilliseconds(5) });

    public virtual async Task DisposeAsync()
    {
        Gate.TrySetResult();
        await Queue.DisposeAsync();
        Database.Dispose();
    }

    /// <summary>Options for quick tests on the real clock: short polls, short leases.</summary>
    protected static QueueWorkerOptions Quick(int concurrency = 4) => new()
    {
        Queues = new Dictionary<string, int> { ["default"] = concurrency },
        PollInterval = TimeSpan.FromMilliseconds(5),
        CompletionDelay = TimeSpan.FromMilliseconds(1),
        ShutdownGrace = TimeSpan.FromSeconds(10),
    };

    protected static RetryBackoff Immediate { get; } = new() { Initial = TimeSpan.FromMilliseconds(1), Maximum = TimeSpan.FromMilliseconds(1), Jitter = 0 };

    protected async Task<(int Argument, int Attempt)> NextEnteredAsync() =>
        await Entered.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most 30 real seconds.</summary>
    protected static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var limit = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(30), $"Timed out waiting until {what}.");
            await Task.Delay(5);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
