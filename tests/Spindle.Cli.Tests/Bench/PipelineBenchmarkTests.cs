using System.Text.Json;

namespace Spindle.Cli.Tests.Bench;

public sealed class PipelineBenchmarkTests
{
    private const int Items = 20_000;
    private const int IoItems = 6;

    private static readonly string[] Small = ["--runs", "1", "--warmups", "0", "--items", $"{Items}", "--io-items", $"{IoItems}"];

    [Fact]
    public async Task Json_prints_spindle_and_dataflow_side_by_side_for_every_workload()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "pipeline", "--json", .. Small]);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("median ms", run.Output, StringComparison.Ordinal);
        List<JsonElement> records = [.. run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];

        string[] seen = [.. records.Select(r => $"{r.GetProperty("workload").GetString()}/{r.GetProperty("variant").GetString()}/{r.GetProperty("workers").GetInt32()}/{r.GetProperty("items").GetInt64()}")];
        string[] expected =
        [
            $"trivial/spindle/1/{Items}", $"trivial/dataflow/1/{Items}",
            .. new[] { 1, 2, 4, 8, 16 }.SelectMany(w => new[] { $"io/spindle/{w}/{IoItems}", $"io/dataflow/{w}/{IoItems}" }),
            $"memory/spindle/1/{Items / 10}", $"memory/dataflow/1/{Items / 10}", $"memory/spindle/1/{Items}", $"memory/dataflow/1/{Items}",
        ];
        Assert.Equal(expected, seen);

        foreach (JsonElement record in records)
        {
            Assert.Equal("pipeline", record.GetProperty("benchmark").GetString());
            double median = record.GetProperty("median_ms").GetDouble();
            Assert.True(median > 0, record.ToString());
            double perSecond = record.GetProperty("per_s").GetDouble();
            Assert.Equal(record.GetProperty("items").GetInt64() / (median / 1000), perSecond, tolerance: 0.01 * perSecond + 1);
            Assert.False(record.TryGetProperty("speedup_vs_sequential", out _), record.ToString());
        }
    }

    [Fact]
    public async Task Json_ratios_are_against_dataflow_on_the_same_workload_and_worker_count()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "pipeline", "--json", "--workload", "trivial", "--workers", "2", .. Small]);

        Assert.Equal(0, run.ExitCode);
        List<JsonElement> records = [.. run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        Assert.Equal(2, records.Count);
        JsonElement spindle = records.Single(r => r.GetProperty("variant").GetString() == "spindle");
        JsonElement dataflow = records.Single(r => r.GetProperty("variant").GetString() == "dataflow");
        Assert.Equal(1.0, dataflow.GetProperty("speedup_vs_dataflow").GetDouble());
        Assert.Equal(2, spindle.GetProperty("workers").GetInt32());
        double expected = spindle.GetProperty("per_s").GetDouble() / dataflow.GetProperty("per_s").GetDouble();
        Assert.Equal(expected, spindle.GetProperty("speedup_vs_dataflow").GetDouble(), tolerance: 0.01 * Math.Max(1, expected));
    }

    [Fact]
    public async Task Json_memory_records_carry_the_peaks_and_allocations()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "pipeline", "--json", "--workload", "memory", .. Small]);

        Assert.Equal(0, run.ExitCode);
        List<JsonElement> records = [.. run.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        Assert.Equal(4, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("memory", r.GetProperty("workload").GetString());
            Assert.True(r.TryGetProperty("peak_heap_delta_bytes", out _), r.ToString());
            Assert.True(r.TryGetProperty("peak_working_set_delta_bytes", out _), r.ToString());
            Assert.True(r.GetProperty("allocated_bytes_per_item").GetDouble() >= 0, r.ToString());
        });
    }

    [Fact]
    public async Task Without_json_it_prints_a_table_per_workload_and_nothing_to_the_json_writer()
    {
        SpindleRun run = await SpindleRun.RunAsync(["bench", "pipeline", .. Small]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Json);
        Assert.Contains("1 measured runs per variant", run.Output, StringComparison.Ordinal);
        Assert.Contains("trivial: 3 stages", run.Output, StringComparison.Ordinal);
        Assert.Contains("io: 1 stage awaiting Task.Delay(1 ms)", run.Output, StringComparison.Ordinal);
        Assert.Contains("memory: the trivial pipeline", run.Output, StringComparison.Ordinal);
        Assert.Equal(1 + 5, run.Lines.Count(line => FirstCell(line) == "spindle" && line.Contains('×')));
        Assert.Equal(2, run.Lines.Count(line => FirstCell(line) == "spindle" && !line.Contains('×')));
    }

    /// <summary>The first cell of a table row, or empty for any other line.</summary>
    private static string FirstCell(string line)
    {
        string[] cells = line.Split('│');
        return cells.Length > 2 ? cells[1].Trim() : "";
    }
}
