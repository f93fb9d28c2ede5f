using System.Diagnostics;

namespace Spindle.Cli.Tests.Queue;

/// <summary>
/// <c>spindle worker --exit-with-parent</c>: the tour and <c>spindle bench queue</c> start their workers with it, so a
/// worker never outlives the program that started it, even when that program is killed (its end of the pipe closes).
/// </summary>
public sealed class WorkerExitWithParentTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-qparent-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The system cleans its temp folder.
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_worker_stops_gracefully_when_its_standard_input_closes_only_if_told_to(bool exitWithParent)
    {
        using Process worker = StartWorker(exitWithParent);
        try
        {
            await WaitForLineAsync(worker, "Worker ");

            worker.StandardInput.Close();
            using var patience = new CancellationTokenSource(exitWithParent ? SpindleRun.Patience : TimeSpan.FromSeconds(2));
            Task exited = worker.WaitForExitAsync(patience.Token);
            if (exitWithParent)
            {
                await exited;
                Assert.Equal(0, worker.ExitCode);
                Assert.Contains("Worker stopped.", await worker.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
            }
            else
            {
                // Without the option a closed stdin means nothing: the worker runs on until told to stop.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exited);
                Assert.False(worker.HasExited);
            }
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }
        }
    }

    private Process StartWorker(bool exitWithParent)
    {
        ProcessStartInfo start = ToolProcess.Worker([.. exitWithParent ? new[] { "--exit-with-parent" } : [], "--store", $"sqlite:{Path.Combine(_folder, "queue.db")}"]);
        start.Environment.Remove("SPINDLE_STORE");
        return Process.Start(start)!;
    }

    private static async Task WaitForLineAsync(Process process, string prefix)
    {
        using var patience = new CancellationTokenSource(SpindleRun.Patience);
        while (await process.StandardOutput.ReadLineAsync(patience.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }

        Assert.Fail($"The worker ended before it said it started: {await process.StandardError.ReadToEndAsync()}");
    }
}
