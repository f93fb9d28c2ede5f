using System.Collections.Concurrent;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Tests.Processes;

/// <summary>A worker that cannot start makes <see cref="ProcessPool.StartAsync"/> fail fast with a message that says what to do.</summary>
public sealed class ProcessPoolStartupTests
{
    [Fact]
    public async Task ProgramWithoutTheWorkerLine_FailsFast_SayingWhatToAdd()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { WorkerArguments = ["no-worker-line"] }));
        Assert.Contains("ProcessWorker.RunIfRequested(catalog)", error.Message);
        Assert.Contains("exited before it said hello", error.Message);
        Assert.Contains("did not call ProcessWorker.RunIfRequested", error.Message);
    }

    [Fact]
    public async Task ProgramThatWritesSomethingElse_IsRefused()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { WorkerArguments = ["garbage-hello"] }));
        Assert.Contains("this is not", error.Message);
        Assert.Contains("RunIfRequested", error.Message);
    }

    [Fact]
    public async Task SilentProgram_FailsAtTheStartupTimeout()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { WorkerArguments = ["silent"], StartupTimeout = TimeSpan.FromMilliseconds(500) }));
        Assert.Contains("did not say hello within 0.5 s", error.Message);
    }

    [Fact]
    public async Task MissingProgram_NamesIt()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { WorkerProgram = "/no/such/worker" }));
        Assert.Contains("/no/such/worker", error.Message);
    }

    [Fact]
    public async Task Initializer_RunsOnceInEveryWorker_BeforeItsCalls()
    {
        await using ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 2) with { InitializerKind = "test.init", InitializerArguments = "\"ready\"" });
        string[] seen = await Task.WhenAll(await Task.WhenAll(Enumerable.Range(0, 8).Select(i => pool.SubmitAsync(Workers.Tasks.Initialized, i).AsTask())));
        Assert.All(seen, s => Assert.Equal("ready", s));
    }

    [Fact]
    public async Task FailingInitializer_FailsTheStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { InitializerKind = "test.init", InitializerArguments = "\"fail\"" }));
        Assert.Contains("initializer 'test.init' failed", error.Message);
        Assert.Contains("initializer refused", error.Message);
    }

    [Fact]
    public async Task UnknownInitializerKind_IsRefusedBeforeAnythingStarts()
    {
        var error = await Assert.ThrowsAsync<TaskArgumentException>(() => Workers.StartAsync(Workers.Options(workers: 1) with { InitializerKind = "test.nope" }));
        Assert.Equal("test.nope", error.TaskKind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public async Task InvalidWorkerCount_NamesTheOption(int count)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Workers.StartAsync(Workers.Options() with { WorkerCount = count }));
        Assert.Contains("ProcessPoolOptions.WorkerCount", error.Message);
    }

    [Fact]
    public async Task WorkerOutput_IsForwardedLineByLine()
    {
        var output = new ConcurrentQueue<string>();
        await using (ProcessPool pool = await Workers.StartAsync(Workers.Options(workers: 1, output: output)))
        {
            Assert.Equal(5, await await pool.SubmitAsync(Workers.Tasks.Print, "hello"));
        }

        Assert.Contains("hello", output);
    }
}
