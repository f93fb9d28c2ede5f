using System.Text.Json.Serialization;

namespace Spindle.Cli.Bench;

/// <summary>One line of <c>spindle bench ... --json</c>. Fields left <see langword="null"/> are not printed.</summary>
internal sealed record BenchRecord(
    string Benchmark,
    string Workload,
    string Variant,
    long N,
    int Runs,
    double MedianMs,
    double MinMs,
    double MaxMs,
    double PerS,
    double? SpeedupVsSequential,
    int Cores)
{
    /// <summary>How the tool that ran the benchmark was built (<see cref="ToolBuild"/>).</summary>
    public string Build { get; init; } = ToolBuild.Kind;

    /// <summary>The item count again under the name the pipeline benchmark's readers expect (pipeline only).</summary>
    public long? Items { get; init; }

    /// <summary>Workers per stage (pipeline only).</summary>
    public int? Workers { get; init; }

    /// <summary>This variant's items/s over Dataflow's on the same workload (pipeline only).</summary>
    public double? SpeedupVsDataflow { get; init; }

    /// <summary>Highest managed heap seen while the run went, less the heap before it (memory workload only).</summary>
    public long? PeakHeapDeltaBytes { get; init; }

    /// <summary>Highest working set seen while the run went, less the working set before it (memory workload only).</summary>
    public long? PeakWorkingSetDeltaBytes { get; init; }

    /// <summary>Bytes allocated per item over the whole run (memory workload only).</summary>
    public double? AllocatedBytesPerItem { get; init; }

    internal static BenchRecord From(string benchmark, Sample sample, double? sequentialMedianMs) =>
        new(benchmark, sample.Workload, sample.Variant, sample.N, sample.Milliseconds.Count,
            Math.Round(sample.MedianMs, 3), Math.Round(sample.MinMs, 3), Math.Round(sample.MaxMs, 3), Math.Round(sample.PerSecond),
            sequentialMedianMs is { } seq ? Math.Round(seq / sample.MedianMs, 3) : null,
            Environment.ProcessorCount);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchRecord))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
