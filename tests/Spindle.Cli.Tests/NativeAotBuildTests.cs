using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Spindle.Queue.Postgres;

namespace Spindle.Cli.Tests;

/// <summary>
/// The native AOT build of the tool (<c>SPINDLE_BUILD=aot scripts/spindle</c>), the build the queue benchmarks run:
/// scripts/test publishes it and names it in <c>SPINDLE_TEST_AOT_CLI</c>. Run as its own process, as a user runs it,
/// with its worker processes started from it. Without the variable every test here fails, saying how to get the build:
/// a build that was never tried must not look like a pass.
/// </summary>
public sealed class NativeAotBuildTests : IDisposable
{
    private const string Variable = "SPINDLE_TEST_AOT_CLI";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-aot-test-").FullName;

    private static string Tool =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path && File.Exists(path) ? path : throw new InvalidOperationException(
            $"{Variable} does not name the native AOT build of spindle: scripts/test publishes it (SPINDLE_BUILD=aot scripts/spindle) "
            + $"and sets {Variable}; if the publish failed, its errors are above this test's in the scripts/test output.");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_queue_benchmark_runs_on_SQLite_with_worker_processes_of_the_native_build()
    {
        IReadOnlyList<JsonElement> records = await BenchQueueAsync($"sqlite:{Path.Combine(_folder, "queue.db")}");

        Assert.Equal(["prefill", "live"], records.Select(r => r.GetProperty("mode").GetString()));
        Assert.All(records, record => Assert.Equal("sqlite", record.GetProperty("store").GetString()));
    }

    [Fact]
    public async Task The_queue_benchmark_runs_on_PostgreSQL_with_worker_processes_of_the_native_build()
    {
        string url = Environment.GetEnvironmentVariable("SPINDLE_TEST_POSTGRES") is { Length: > 0 } value ? value : throw new InvalidOperationException(
            "SPINDLE_TEST_POSTGRES is not set: this test needs the throwaway PostgreSQL server that scripts/test starts.");
        string schema = "aot_" + Guid.NewGuid().ToString("N")[..16];
        var builder = PostgresConnectionString.Parse(url);
        builder.Pooling = false;
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            IReadOnlyList<JsonElement> records = await BenchQueueAsync($"{url}?search_path={schema}");

            Assert.All(records, record => Assert.Equal("postgres", record.GetProperty("store").GetString()));
        }
        finally
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task A_worker_refuses_a_task_module_it_cannot_load_and_says_why()
    {
        // A real .NET library (this test assembly, which holds no task module: the native build refuses any assembly
        // before it looks inside, where a JIT build would load it and fail for want of a module, exit code 1).
        string module = typeof(NativeAotBuildTests).Assembly.Location;

        (int exitCode, string output, string errors) = await RunAsync("worker", "--tasks", module, "--store", $"sqlite:{Path.Combine(_folder, "queue.db")}");

        Assert.True(exitCode == 4, $"exit {exitCode}:\n{output}\n{errors}");
        Assert.Contains("compiled with native AOT, which loads no assembly at run time", errors, StringComparison.Ordinal);
        Assert.Contains("Register the module in the program instead", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_processes_chapter_of_the_tour_runs_its_process_pools_from_the_native_build()
    {
        (int exitCode, string output, string errors) = await RunAsync("tour", "processes");

        Assert.True(exitCode == 0, $"exit {exitCode}:\n{output}\n{errors}");
        Assert.Contains("Tour finished", output, StringComparison.Ordinal);
        Assert.Contains("crash failed with WorkerCrashedException", output, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>bench queue</c> with two worker processes and checks what every record must say.</summary>
    private static async Task<IReadOnlyList<JsonElement>> BenchQueueAsync(string store)
    {
        const int Jobs = 300;
        (int exitCode, string output, string errors) = await RunAsync("bench", "queue", "--store", store, "--jobs", $"{Jobs}", "--workers", "2", "--runs", "1", "--json");

        Assert.True(exitCode == 0, $"exit {exitCode}:\n{output}\n{errors}");
        List<JsonElement> records = [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        Assert.Equal(2, records.Count);
        foreach (JsonElement record in records)
        {
            Assert.Equal("aot", record.GetProperty("build").GetString());
            Assert.Equal(Jobs, record.GetProperty("succeeded").GetInt32());
            Assert.Equal(2, record.GetProperty("workers").GetInt32());
        }

        return records;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Wide enough that the tour's sentences are not wrapped.
        start.Environment["COLUMNS"] = "200";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"spindle {string.Join(' ', arguments)} did not finish within {Patience.TotalMinutes} minutes:\n{await output}\n{await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }
}
