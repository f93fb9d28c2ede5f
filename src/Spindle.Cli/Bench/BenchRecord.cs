using System.Text.Json.Serialization;

namespace Spindle.Cli.Bench;

/// <summary>One line of <c>spindle bench ... --json</c>.</summary>
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
    internal static BenchRecord From(string benchmark, Sample sample, double? sequentialMedianMs) =>
        new(benchmark, sample.Workload, sample.Variant, sample.N, sample.Milliseconds.Count,
            Math.Round(sample.MedianMs, 3), Math.Round(sample.MinMs, 3), Math.Round(sample.MaxMs, 3), Math.Round(sample.PerSecond),
            sequentialMedianMs is { } seq ? Math.Round(seq / sample.MedianMs, 3) : null,
            Environment.ProcessorCount);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchRecord))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
