using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using Spindle.Pipelines;

namespace Spindle.Cli.Workloads;

/// <summary>
/// One way to run the benchmark pipelines: Spindle's <see cref="Pipeline"/>, or TPL Dataflow with the same
/// topology and bounds (a <see cref="TransformBlock{TInput, TOutput}"/> per stage, linked with completion
/// propagation, <c>BoundedCapacity</c> = the stage's buffer, <c>MaxDegreeOfParallelism</c> = its workers).
/// </summary>
internal sealed record PipelineVariant(
    string Name,
    Func<int, int, int, ValueTask<long>> Trivial,
    Func<int, int, TimeSpan, ValueTask<long>> Io)
{
    internal static PipelineVariant Spindle { get; } = new("spindle", SpindleTrivialAsync, SpindleIoAsync);

    internal static PipelineVariant Dataflow { get; } = new("dataflow", DataflowTrivialAsync, DataflowIoAsync);

    internal static IReadOnlyList<PipelineVariant> All { get; } = [Spindle, Dataflow];

    /// <summary>The three trivial stages, shared by both variants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Widen(int x) => x;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Twice(long x) => x * 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Less(long x) => x - 1;

    /// <summary>What the sink of the trivial pipeline adds up to: the sum of 2x - 1 over 0..n-1.</summary>
    internal static long ExpectedSum(int n) => ((long)n * (n - 1)) - n;

    private static async ValueTask<long> SpindleTrivialAsync(int items, int workers, int buffer)
    {
        var stage = new StageOptions { Workers = workers, Buffer = buffer };
        long sum = 0;
        await Pipeline.From(Enumerable.Range(0, items), new PipelineOptions { Name = "bench", OutputBuffer = buffer })
            .Map("widen", Widen, stage)
            .Map("twice", Twice, stage)
            .Map("less", Less, stage)
            .RunAsync(x => sum += x);
        return sum;
    }

    private static async ValueTask<long> DataflowTrivialAsync(int items, int workers, int buffer)
    {
        var options = new ExecutionDataflowBlockOptions { BoundedCapacity = buffer, MaxDegreeOfParallelism = workers, EnsureOrdered = true };
        var link = new DataflowLinkOptions { PropagateCompletion = true };
        var widen = new TransformBlock<int, long>(Widen, options);
        var twice = new TransformBlock<long, long>(Twice, options);
        var less = new TransformBlock<long, long>(Less, options);
        widen.LinkTo(twice, link);
        twice.LinkTo(less, link);
        Task<long> consumed = DrainAsync(less);
        await ProduceAsync(widen, items);
        return await consumed;
    }

    private static async ValueTask<long> SpindleIoAsync(int items, int workers, TimeSpan delay)
    {
        long sum = 0;
        await Pipeline.From(Enumerable.Range(0, items), new PipelineOptions { Name = "bench-io" })
            .Map("io", async (x, ct) =>
            {
                await Task.Delay(delay, ct);
                return (long)x;
            }, new StageOptions { Workers = workers, Buffer = 64 })
            .RunAsync(x => sum += x);
        return sum;
    }

    private static async ValueTask<long> DataflowIoAsync(int items, int workers, TimeSpan delay)
    {
        var io = new TransformBlock<int, long>(async x =>
        {
            await Task.Delay(delay);
            return (long)x;
        }, new ExecutionDataflowBlockOptions { BoundedCapacity = 64, MaxDegreeOfParallelism = workers, EnsureOrdered = true });
        Task<long> consumed = DrainAsync(io);
        await ProduceAsync(io, items);
        return await consumed;
    }

    // The fastest way into a bounded block: Post while it accepts, SendAsync (which waits) when it is full.
    private static async Task ProduceAsync(ITargetBlock<int> first, int items)
    {
        for (int i = 0; i < items; i++)
        {
            if (!first.Post(i))
            {
                await first.SendAsync(i);
            }
        }

        first.Complete();
    }

    // The fastest way out: take everything there is, then wait for more.
    private static async Task<long> DrainAsync(ISourceBlock<long> last)
    {
        var receiver = (IReceivableSourceBlock<long>)last;
        long sum = 0;
        while (await last.OutputAvailableAsync())
        {
            while (receiver.TryReceive(out long x))
            {
                sum += x;
            }
        }

        await last.Completion;
        return sum;
    }
}
