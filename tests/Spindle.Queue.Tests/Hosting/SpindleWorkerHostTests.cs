using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Hosting;

/// <summary>AddSpindleWorker in a real Generic Host on a real SQLite file (issue 5, Worker).</summary>
public sealed class SpindleWorkerHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDatabase _database = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<string?> _entered = Channel.CreateUnbounded<string?>();
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobQueue _queue = null!;

    public async Task InitializeAsync() =>
        _queue = await JobQueue.OpenAsync(_database.ConnectionString, new JobQueueOptions { PollInterval = TimeSpan.FromMilliseconds(5) });

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        await _queue.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task JobsEnqueuedThroughJobQueue_AreRunByTheHostedWorker()
    {
        using IHost host = Build(options => options.Store = _database.ConnectionString);
        await host.StartAsync();

        IReadOnlyList<JobHandle<int>> jobs = await _queue.EnqueueManyAsync(Kinds.Double, Enumerable.Range(1, 20));
        int[] results = await Task.WhenAll(jobs.Select(job => job.WaitAsync().WaitAsync(Bound)));

        Assert.Equal(Enumerable.Range(1, 20).Select(x => x * 2), results);
        await host.StopAsync();
    }

    [Fact]
    public async Task ARegisteredJobQueue_IsUsedWhenNoStoreIsSet_AndStaysOpenAfterTheHost()
    {
        using (IHost host = Build(_ => { }, services => services.AddSingleton(_queue)))
        {
            await host.StartAsync();
            JobHandle<int> job = await _queue.EnqueueAsync(Kinds.Double, 4);
            Assert.Equal(8, await job.WaitAsync().WaitAsync(Bound));
            await host.StopAsync();
        }

        // The worker did not dispose the queue it was given.
        JobInfo? info = await _queue.GetAsync(1);
        Assert.Equal(JobState.Succeeded, info!.State);
    }

    [Fact]
    public async Task TaskModulesRegisteredInTheContainer_AddTheirKinds()
    {
        using IHost host = Build(options => options.Store = _database.ConnectionString, services => services.AddSingleton<ITaskModule, TripleModule>(), useDefaultTasks: false);
        await host.StartAsync();

        JobHandle<int> job = await _queue.EnqueueAsync(TripleModule.Triple, 5);

        Assert.Equal(15, await job.WaitAsync().WaitAsync(Bound));
        await host.StopAsync();
    }

    [Fact]
    public async Task Issue5_AHostShutdownTimeoutShorterThanTheGrace_HandsTheRunningJobBack()
    {
        using IHost host = Build(
            options => options.Store = _database.ConnectionString,
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)));
        await host.StartAsync();
        JobHandle<int> job = await _queue.EnqueueAsync(Kinds.Hold, 5);
        await _entered.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        await host.StopAsync().WaitAsync(Bound);

        // Cut short by the host: the job was cancelled and handed back at once, not left running for a rescue.
        JobInfo info = (await _queue.GetAsync(job.Id))!;
        Assert.Equal(JobState.Available, info.State);
        Assert.Equal(1, info.Attempt);
    }

    [Fact]
    public async Task StoppingTheHost_LetsARunningJobFinishWithinTheGracePeriod_AndASecondStopIsHarmless()
    {
        using IHost host = Build(options => options.Store = _database.ConnectionString);
        await host.StartAsync();
        JobHandle<int> job = await _queue.EnqueueAsync(Kinds.Hold, 7);
        Assert.Equal(job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), await _entered.Reader.ReadAsync().AsTask().WaitAsync(Bound));

        Task stop = host.StopAsync();
        await _stopping.Task.WaitAsync(Bound);   // the worker has been told to stop and claims nothing more
        Assert.False(stop.IsCompleted, "The host's stop must wait for the running job.");
        _gate.SetResult();
        await stop.WaitAsync(Bound);

        JobInfo finished = await _queue.WaitUntilFinishedAsync(job.Id).WaitAsync(Bound);
        Assert.Equal(JobState.Succeeded, finished.State);
        Assert.Equal(1, finished.Attempt);
        Assert.Equal(7, await job.WaitAsync().WaitAsync(Bound));
        await host.StopAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task AMissingStore_FailsTheHostsStartWithAClearError()
    {
        using IHost host = Build(_ => { });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SpindleWorkerOptions.Store is not set and no JobQueue is registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoQueuesAndNoKinds_FailTheHostsStartNamingEach()
    {
        using IHost host = Build(
            options =>
            {
                options.Store = _database.ConnectionString;
                options.Worker = new QueueWorkerOptions { Queues = new Dictionary<string, int>() };
            },
            useDefaultTasks: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Collection(
            error.Failures,
            queues => Assert.StartsWith("SpindleWorkerOptions.Worker.Queues names no queue", queues, StringComparison.Ordinal),
            kinds => Assert.StartsWith("AddSpindleWorker has no tasks", kinds, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnInvalidWorkerOption_IsNamedAtStart()
    {
        using IHost host = Build(options =>
        {
            options.Store = _database.ConnectionString;
            options.Worker = new QueueWorkerOptions { Lease = TimeSpan.FromMilliseconds(1) };
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SpindleWorkerOptions.Worker: QueueWorkerOptions.Lease", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostsStartedAndStoppedRepeatedlyOnOneFile_EachRunJobs()
    {
        for (int round = 0; round < 5; round++)
        {
            await using var host = (IAsyncDisposable)Build(options => options.Store = _database.ConnectionString);
            await ((IHost)host).StartAsync();
            JobHandle<int> job = await _queue.EnqueueAsync(Kinds.Double, round);
            Assert.Equal(round * 2, await job.WaitAsync().WaitAsync(Bound));
            await ((IHost)host).StopAsync();
            await ((IHost)host).StopAsync();
        }
    }

    [Fact]
    public async Task TheHostedService_ToleratesStopBeforeStart_AndRestartsAfterAStop()
    {
        using IHost host = Build(options => options.Store = _database.ConnectionString);
        IHostedService service = host.Services.GetServices<IHostedService>().OfType<SpindleWorkerService>().Single();

        await service.StopAsync(CancellationToken.None);
        for (int round = 0; round < 5; round++)
        {
            await service.StartAsync(CancellationToken.None);
            JobHandle<int> job = await _queue.EnqueueAsync(Kinds.Double, 10 + round);
            Assert.Equal((10 + round) * 2, await job.WaitAsync().WaitAsync(Bound));
            await service.StopAsync(CancellationToken.None);
            await service.StopAsync(CancellationToken.None);
        }
    }

    private IHost Build(Action<SpindleWorkerOptions> configure, Action<IServiceCollection>? more = null, bool useDefaultTasks = true)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(new StoppingSignal(_stopping));
        Action<TaskCatalog>? tasks = useDefaultTasks ? AddTestKinds : null;
        builder.Services.AddSpindleWorker(
            options =>
            {
                options.Worker = new QueueWorkerOptions
                {
                    Queues = new Dictionary<string, int> { ["default"] = 4 },
                    PollInterval = TimeSpan.FromMilliseconds(5),
                    CompletionDelay = TimeSpan.FromMilliseconds(1),
                    ShutdownGrace = TimeSpan.FromSeconds(30),
                };
                configure(options);
            },
            tasks);
        more?.Invoke(builder.Services);
        return builder.Build();
    }

    private void AddTestKinds(TaskCatalog catalog)
    {
        catalog.Add(Kinds.Double);
        catalog.Add<int, int>(Kinds.Hold.Name, async (x, context) =>
        {
            _entered.Writer.TryWrite(context.JobId);
            await _gate.Task.WaitAsync(context.CancellationToken);
            return x;
        });
    }

    /// <summary>Typed kinds for the client side; the host's catalog registers handlers under the same names.</summary>
    private static class Kinds
    {
        private static readonly TaskCatalog Catalog = new();

        public static TaskKind<int, int> Double { get; } = Catalog.Add<int, int>("host.double", (x, _) => x * 2);

        public static TaskKind<int, int> Hold { get; } = Catalog.Add<int, int>("host.hold", (x, _) => x);
    }

    private sealed class TripleModule : ITaskModule
    {
        private static readonly TaskCatalog Catalog = new();

        public static TaskKind<int, int> Triple { get; } = Catalog.Add<int, int>("host.triple", (x, _) => x * 3);

        public void Register(TaskCatalog catalog) => catalog.Add(Triple);
    }

    /// <summary>Completes its signal when the hosted worker logs that the host is stopping it.</summary>
    private sealed class StoppingSignal(TaskCompletionSource signal) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 101)
            {
                signal.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }
}
