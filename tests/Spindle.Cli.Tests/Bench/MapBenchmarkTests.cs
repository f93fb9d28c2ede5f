using System.Text.Json;

namespace Spindle.Cli.Tests.Bench;

public sealed class MapBenchmarkTests
{
    private const int TrivialN = 20_000;
    private const int HeavyN = 2_000;

    private static readonly string[] Variants = ["sequential", "workerpool", "parallel-for", "plinq", "workerpool-stream"];

    private static readonly string[] Small = ["--runs", "1", "--warmups", "0", "--trivial-n", $"{TrivialN}", "--heavy-n", $"{HeavyN}"];

    [Fact]
    public async Task Json_prints_one_object_per_workload_and_variant()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "map", "--json", .. Small]);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("median ms", run.Output, StringComparison.Ordinal);
        string[] lines = run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(10, lines.Length);

        var seen = new List<(string Workload, string Variant)>();
        foreach (string line in lines)
        {
            using var document = JsonDocument.Parse(line);
            JsonElement record = document.RootElement;
            Assert.Equal(JsonValueKind.Object, record.ValueKind);
            Assert.Equal("map", record.GetProperty("benchmark").GetString());
            string workload = record.GetProperty("workload").GetString()!;
            string variant = record.GetProperty("variant").GetString()!;
            seen.Add((workload, variant));

            Assert.Equal(workload == "trivial" ? TrivialN : HeavyN, record.GetProperty("n").GetInt64());
            Assert.Equal(1, record.GetProperty("runs").GetInt32());
            double median = record.GetProperty("median_ms").GetDouble();
            double min = record.GetProperty("min_ms").GetDouble();
            double max = record.GetProperty("max_ms").GetDouble();
            Assert.True(min >= 0 && min <= median && median <= max, $"expected 0 <= min <= median <= max: {line}");
            Assert.True(record.GetProperty("cores").GetInt32() >= 1, line);
        }

        // Workloads in order, each with every variant, the streamed one last.
        (string, string)[] expected = [.. new[] { "trivial", "heavy" }.SelectMany(w => Variants.Select(v => (w, v)))];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Json_speed_ups_are_relative_to_the_sequential_run_of_the_same_workload()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "map", "--json", "--workload", "heavy", .. Small]);

        Assert.Equal(0, run.ExitCode);
        var records = run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        Assert.All(records, r => Assert.Equal("heavy", r.GetProperty("workload").GetString()));
        double sequential = records.Single(r => r.GetProperty("variant").GetString() == "sequential").GetProperty("median_ms").GetDouble();
        foreach (JsonElement record in records)
        {
            double median = record.GetProperty("median_ms").GetDouble();
            double speedup = record.GetProperty("speedup_vs_sequential").GetDouble();

            // Both sides are rounded to 3 decimals before they are printed, so compare loosely.
            Assert.Equal(sequential / median, speedup, tolerance: 0.01 * Math.Max(1, speedup));
        }
    }

    [Fact]
    public async Task One_workload_without_the_stream_runs_the_four_classic_variants()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "map", "--json", "--workload", "trivial", "--no-stream", .. Small]);

        Assert.Equal(0, run.ExitCode);
        string[] variants = [.. run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(r => $"{r.GetProperty("workload").GetString()}/{r.GetProperty("variant").GetString()}")];
        Assert.Equal(["trivial/sequential", "trivial/workerpool", "trivial/parallel-for", "trivial/plinq"], variants);
    }

    [Fact]
    public async Task Without_json_it_prints_a_table_per_workload_and_nothing_to_the_json_writer()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "map", .. Small]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Json);
        Assert.Contains("1 measured runs per variant", run.Output, StringComparison.Ordinal);
        Assert.Contains("trivial: x*x per item", run.Output, StringComparison.Ordinal);
        Assert.Contains("heavy: 200 rounds", run.Output, StringComparison.Ordinal);
        Assert.Equal(2, run.Lines.Count(line => line.Contains("median ms", StringComparison.Ordinal)));
        foreach (string variant in Variants)
        {
            Assert.Equal(2, run.Lines.Count(line => FirstCell(line) == variant));
        }
    }

    /// <summary>The first cell of a table row, or empty for any other line.</summary>
    private static string FirstCell(string line)
    {
        string[] cells = line.Split('│');
        return cells.Length > 2 ? cells[1].Trim() : "";
    }
}
