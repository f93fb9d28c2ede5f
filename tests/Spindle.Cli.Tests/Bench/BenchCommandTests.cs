using System.CommandLine;
using Spectre.Console;

namespace Spindle.Cli.Tests.Bench;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_map_alone_is_accepted_with_the_documented_defaults()
    {
        ParseResult result = Parse("bench", "map");

        Assert.Empty(result.Errors.Select(error => error.Message));
        Assert.Equal(7, result.GetValue<int>("--runs"));
        Assert.Equal(1, result.GetValue<int>("--warmups"));
        Assert.Equal(10_000_000, result.GetValue<int>("--trivial-n"));
        Assert.Equal(200_000, result.GetValue<int>("--heavy-n"));
        Assert.Equal("all", result.GetValue<string>("--workload"));
        Assert.False(result.GetValue<bool>("--json"));
        Assert.False(result.GetValue<bool>("--no-stream"));
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--runs", "3")]
    [InlineData("--workload", "heavy", "--heavy-n", "2000")]
    public void Counts_left_out_take_their_defaults_and_are_not_refused(params string[] options)
    {
        ParseResult result = Parse(["bench", "map", .. options]);

        Assert.Empty(result.Errors.Select(error => error.Message));
    }

    [Theory]
    [InlineData("--runs", "0", "at least 1")]
    [InlineData("--warmups", "-1", "at least 0")]
    [InlineData("--trivial-n", "0", "at least 1")]
    [InlineData("--heavy-n", "0", "at least 1")]
    public async Task An_out_of_range_count_is_refused_before_anything_runs(string option, string value, string range)
    {
        // Every other count is valid, so the refusal can only come from the one under test.
        string[] args = ["bench", "map", "--json", .. ValidCounts.Where(pair => pair.Key != option).SelectMany(pair => new[] { pair.Key, pair.Value }), option, value];

        SpindleRun run = await SpindleRun.InvokeAsync(args);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(option, run.Errors, StringComparison.Ordinal);
        Assert.Contains(range, run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_count_that_is_not_a_number_is_refused_with_the_options_name()
    {
        SpindleRun run = await SpindleRun.InvokeAsync("bench", "map", "--json", "--runs", "x");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--runs", run.Errors, StringComparison.Ordinal);
        Assert.Contains("'x'", run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public async Task An_unknown_workload_is_refused_with_the_ones_there_are()
    {
        string[] args = ["bench", "map", "--json", .. ValidCounts.SelectMany(pair => new[] { pair.Key, pair.Value }), "--workload", "bogus"];

        SpindleRun run = await SpindleRun.InvokeAsync(args);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'bogus'", run.Errors, StringComparison.Ordinal);
        Assert.Contains("'trivial'", run.Errors, StringComparison.Ordinal);
        Assert.Contains("'heavy'", run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public void Bench_pipeline_alone_is_accepted_with_the_documented_defaults()
    {
        ParseResult result = Parse("bench", "pipeline");

        Assert.Empty(result.Errors.Select(error => error.Message));
        Assert.Equal(5, result.GetValue<int>("--runs"));
        Assert.Equal(1, result.GetValue<int>("--warmups"));
        Assert.Equal(10_000_000, result.GetValue<int>("--items"));
        Assert.Equal(1, result.GetValue<int>("--workers"));
        Assert.Equal(1024, result.GetValue<int>("--buffer"));
        Assert.Equal(200, result.GetValue<int>("--io-items"));
        Assert.Equal("all", result.GetValue<string>("--workload"));
    }

    [Theory]
    [InlineData("--runs", "0", "at least 1")]
    [InlineData("--items", "0", "at least 1")]
    [InlineData("--workers", "0", "at least 1")]
    [InlineData("--buffer", "0", "at least 1")]
    [InlineData("--io-items", "0", "at least 1")]
    public async Task A_pipeline_count_out_of_range_is_refused_before_anything_runs(string option, string value, string range)
    {
        // Every other count is valid, so the refusal can only come from the one under test.
        string[] valid = ["--items", "1000", "--io-items", "4", "--runs", "1"];
        string[] others = [.. valid.Chunk(2).Where(pair => pair[0] != option).SelectMany(pair => pair)];
        SpindleRun run = await SpindleRun.InvokeAsync(["bench", "pipeline", "--json", .. others, option, value]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(option, run.Errors, StringComparison.Ordinal);
        Assert.Contains(range, run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public async Task An_unknown_pipeline_workload_is_refused_with_the_ones_there_are()
    {
        SpindleRun run = await SpindleRun.InvokeAsync("bench", "pipeline", "--json", "--workload", "bogus");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'bogus'", run.Errors, StringComparison.Ordinal);
        Assert.Contains("'memory'", run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public void Bench_processes_warmup_seconds_default_to_one_and_a_half_and_zero_is_allowed()
    {
        ParseResult defaults = Parse("bench", "processes");
        ParseResult none = Parse("bench", "processes", "--warmup-seconds", "0");

        Assert.Empty(defaults.Errors.Select(error => error.Message));
        Assert.Equal(1.5, defaults.GetValue<double>("--warmup-seconds"));
        Assert.Equal(1, defaults.GetValue<int>("--warmups"));
        Assert.Empty(none.Errors.Select(error => error.Message));
        Assert.Equal(0, none.GetValue<double>("--warmup-seconds"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("601")]
    [InlineData("NaN")]
    public async Task A_warmup_time_out_of_range_is_refused_before_anything_runs(string value)
    {
        // The smallest run there is, should the refusal ever fail: it must not run the whole benchmark in the test.
        SpindleRun run = await SpindleRun.InvokeAsync("bench", "processes", "--json", "--workload", "startup", "--runs", "1", "--warmups", "0", "--warmup-seconds", value);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--warmup-seconds must be between 0 and 600", run.Errors, StringComparison.Ordinal);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public async Task A_queue_store_that_cannot_be_opened_ends_the_bench_with_its_reason_and_no_stack_trace()
    {
        string folder = Directory.CreateTempSubdirectory("spindle-bench-store-").FullName;
        try
        {
            // A file where the store's folder should be: nothing can be created under it.
            string blocker = Path.Combine(folder, "not-a-folder");
            await File.WriteAllTextAsync(blocker, "");

            SpindleRun run = await SpindleRun.RunAsync("bench", "queue", "--json", "--jobs", "10", "--store", $"sqlite:{blocker}/queue.db");

            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("spindle bench queue: ", run.Errors, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Errors, StringComparison.Ordinal);
            Assert.Equal("", run.Json);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static readonly KeyValuePair<string, string>[] ValidCounts =
    [
        new("--runs", "1"), new("--warmups", "0"), new("--trivial-n", "20000"), new("--heavy-n", "2000"),
    ];

    // Parsing alone runs nothing, so a console that writes nowhere will do.
    private static ParseResult Parse(params string[] args) =>
        SpindleCommand.Create(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), TextWriter.Null).Parse(args);
}
