using System.Runtime.CompilerServices;
using System.Text.Json;
using Spindle.Tasks;

namespace Spindle.Tests.Tasks;

public sealed class TaskFailureTests
{
    [Fact]
    public void FromException_keeps_the_type_message_and_stack_of_a_thrown_exception()
    {
        Exception thrown = Catch(() => ThrowingHandler());

        TaskFailure failure = TaskFailure.FromException("images.resize", thrown);

        Assert.Equal(TaskFailureKind.Exception, failure.Kind);
        Assert.Equal("images.resize", failure.TaskKind);
        Assert.Equal("System.InvalidOperationException", failure.ErrorType);
        Assert.Equal("no pixels", failure.Message);
        Assert.Contains(nameof(ThrowingHandler), failure.StackTrace, StringComparison.Ordinal);
        Assert.Null(failure.ExitCode);
        Assert.Null(failure.Signal);
        Assert.Null(failure.Reason);
        Assert.Equal("System.InvalidOperationException in task 'images.resize': no pixels", failure.ToString());
    }

    [Fact]
    public void A_cancellation_is_a_cancelled_failure_not_an_exception_one()
    {
        TaskFailure operation = TaskFailure.FromException("images.resize", new OperationCanceledException("stop"));
        TaskFailure task = TaskFailure.FromException("images.resize", new TaskCanceledException("stop"));

        Assert.Equal(TaskFailureKind.Cancelled, operation.Kind);
        Assert.Equal(TaskFailureKind.Cancelled, task.Kind);
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", task.ErrorType);
        Assert.Equal("task 'images.resize' cancelled: stop", operation.ToString());
    }

    [Fact]
    public void FromException_of_null_throws()
    {
        Assert.Throws<ArgumentNullException>(() => TaskFailure.FromException("images.resize", null!));
    }

    [Fact]
    public void A_failure_round_trips_through_its_json_with_camel_case_names_and_the_kind_as_a_string()
    {
        var crash = new TaskFailure
        {
            Kind = TaskFailureKind.Crash,
            TaskKind = "images.resize",
            Message = "the worker was killed by signal 9",
            ExitCode = 137,
            Signal = 9,
            Reason = "out of memory",
        };

        string json = JsonSerializer.Serialize(crash, TaskFailureJson.Default.TaskFailure);
        TaskFailure? back = JsonSerializer.Deserialize(json, TaskFailureJson.Default.TaskFailure);

        Assert.Equal(
            """{"kind":"Crash","taskKind":"images.resize","message":"the worker was killed by signal 9","exitCode":137,"signal":9,"reason":"out of memory"}""",
            json);
        Assert.Equal(crash, back);
        Assert.Equal("task 'images.resize' crash: the worker was killed by signal 9", crash.ToString());
    }

    [Fact]
    public void An_exception_failure_keeps_its_stack_across_json()
    {
        TaskFailure failure = TaskFailure.FromException("images.resize", Catch(() => ThrowingHandler()));

        TaskFailure back = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(failure, TaskFailureJson.Default.TaskFailure), TaskFailureJson.Default.TaskFailure)!;

        Assert.Equal(failure, back);
        Assert.Contains(nameof(ThrowingHandler), back.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteTaskException_reads_as_the_failure_and_shows_the_remote_stack()
    {
        TaskFailure failure = TaskFailure.FromException("images.resize", Catch(() => ThrowingHandler()));

        var remote = new RemoteTaskException(failure);
        string text = remote.ToString();

        Assert.Same(failure, remote.Failure);
        Assert.Equal(failure.ToString(), remote.Message);
        Assert.Equal(failure.StackTrace, remote.RemoteStackTrace);
        Assert.StartsWith($"Spindle.Tasks.RemoteTaskException: {failure}", text, StringComparison.Ordinal);
        Assert.Contains($"--- remote stack trace ---{Environment.NewLine}{failure.StackTrace}", text, StringComparison.Ordinal);
        Assert.Contains(nameof(ThrowingHandler), text, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteTaskException_without_a_remote_stack_has_no_remote_section()
    {
        var failure = new TaskFailure { Kind = TaskFailureKind.Lost, TaskKind = "images.resize", Message = "the worker vanished" };

        var remote = new RemoteTaskException(failure, "custom message");

        Assert.Equal("custom message", remote.Message);
        Assert.Null(remote.RemoteStackTrace);
        Assert.DoesNotContain("remote stack trace", remote.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new RemoteTaskException(null!));
    }

    [Fact]
    public void The_crash_and_timeout_exceptions_are_remote_task_exceptions_exposing_the_crash()
    {
        var failure = new TaskFailure { Kind = TaskFailureKind.Crash, TaskKind = "images.resize", Message = "exited", ExitCode = 134, Signal = 6, Reason = "stack overflow" };

        var crashed = new WorkerCrashedException(failure, isPoison: true);
        RemoteTaskException timedOut = new TaskTimeoutException(failure with { Kind = TaskFailureKind.Timeout, ExitCode = null, Signal = null, Reason = null });

        Assert.Equal((134, 6, "stack overflow", true), (crashed.ExitCode, crashed.Signal, crashed.Reason, crashed.IsPoison));
        Assert.IsAssignableFrom<RemoteTaskException>(crashed);
        Assert.Equal(TaskFailureKind.Timeout, timedOut.Failure.Kind);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowingHandler() => throw new InvalidOperationException("no pixels");

    private static Exception Catch(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new InvalidOperationException("nothing was thrown");
    }
}
