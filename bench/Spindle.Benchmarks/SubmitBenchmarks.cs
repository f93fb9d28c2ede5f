using BenchmarkDotNet.Attributes;
using Spindle.Pools;

namespace Spindle.Benchmarks;

/// <summary>
/// Submit throughput: 100,000 no-op calls submitted and awaited, per operation. WorkerPool against the
/// two things a C# user would otherwise reach for. Target: at least 3,000,000 submits/s for the WorkerPool.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class SubmitBenchmarks
{
    private const int Calls = 100_000;
    private static readonly Func<int> Noop = static () => 0;
    private static readonly Func<CancellationToken, ValueTask<int>> NoopAsync = static _ => new ValueTask<int>(0);

    private readonly Task<int>[] _tasks = new Task<int>[Calls];
    private WorkerPool _pool = null!;

    [GlobalSetup]
    public void Setup() => _pool = WorkerPool.Create();

    [GlobalCleanup]
    public async Task Cleanup() => await _pool.DisposeAsync();

    [Benchmark(OperationsPerInvoke = Calls, Description = "WorkerPool.SubmitAsync (sync call)")]
    public async Task WorkerPoolSubmit()
    {
        for (int i = 0; i < Calls; i++)
        {
            _tasks[i] = await _pool.SubmitAsync(Noop);
        }

        await Task.WhenAll(_tasks);
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "WorkerPool.SubmitAsync (async call)")]
    public async Task WorkerPoolSubmitAsyncCall()
    {
        for (int i = 0; i < Calls; i++)
        {
            _tasks[i] = await _pool.SubmitAsync(NoopAsync);
        }

        await Task.WhenAll(_tasks);
    }

    [Benchmark(OperationsPerInvoke = Calls, Baseline = true, Description = "Task.Run")]
    public async Task TaskRun()
    {
        for (int i = 0; i < Calls; i++)
        {
            _tasks[i] = Task.Run(Noop);
        }

        await Task.WhenAll(_tasks);
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "Parallel.ForEachAsync")]
    public async Task ParallelForEachAsync() =>
        await Parallel.ForEachAsync(Enumerable.Range(0, Calls), static (_, _) => ValueTask.CompletedTask);
}
