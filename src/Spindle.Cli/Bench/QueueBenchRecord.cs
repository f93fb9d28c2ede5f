using System.Text.Json.Serialization;

namespace Spindle.Cli.Bench;

/// <summary>One line of <c>spindle bench queue --json</c>: one run of one mode. Times in milliseconds.</summary>
/// <param name="Benchmark">Always <c>queue</c>.</param>
/// <param name="Store">The store's scheme only (<c>sqlite</c>), never the rest of its connection string.</param>
/// <param name="Mode"><c>prefill</c> (enqueue all, then start the workers) or <c>live</c> (enqueue while they run).</param>
/// <param name="Jobs">No-op jobs in the run.</param>
/// <param name="Workers">Worker processes.</param>
/// <param name="Concurrency">Jobs at once per worker process.</param>
/// <param name="Succeeded">Jobs read back succeeded with the right result (always <paramref name="Jobs"/>: anything else fails the run).</param>
/// <param name="EnqueueMs">From the first enqueue to the last chunk committed.</param>
/// <param name="EnqueuePerS">Jobs enqueued per second.</param>
/// <param name="WorkerStartMs">From launching the worker processes until each printed its start line.</param>
/// <param name="MedianMs">End to end: prefill from the first enqueue, live from the first enqueue with the workers already running, until every job succeeded.</param>
/// <param name="JobsPerS">Jobs per second end to end (over <paramref name="MedianMs"/>).</param>
/// <param name="PerS">The same, under the name the other benchmarks use.</param>
/// <param name="ReadBackMs">Reading every job back (its result) in pages and checking it.</param>
/// <param name="PeakRssMb">The largest peak RSS (the kernel's VmHWM) of one worker process over the run.</param>
/// <param name="Cores">Processors of the machine.</param>
internal sealed record QueueBenchRecord(
    string Benchmark,
    string Store,
    string Mode,
    int Jobs,
    int Workers,
    int Concurrency,
    int Succeeded,
    double EnqueueMs,
    double EnqueuePerS,
    double WorkerStartMs,
    double MedianMs,
    double JobsPerS,
    double PerS,
    double ReadBackMs,
    double PeakRssMb,
    int Cores)
{
    /// <summary>How the tool that ran the benchmark was built (<see cref="ToolBuild"/>).</summary>
    public string Build { get; init; } = ToolBuild.Kind;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(QueueBenchRecord))]
internal sealed partial class QueueBenchJsonContext : JsonSerializerContext;
