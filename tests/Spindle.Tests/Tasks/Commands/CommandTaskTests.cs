using System.Buffers;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Spindle.Tasks;
using Spindle.Tasks.Commands;

namespace Spindle.Tests.Tasks.Commands;

// The programs these tests run (sh, cat, seq, sleep) and the /proc checks are Unix ones.
[UnsupportedOSPlatform("windows")]
public sealed class CommandTaskTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("spindle-command-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task Echo_gets_its_arguments_as_given_with_no_shell_in_between()
    {
        CommandResult result = await RunAsync(new() { Argv = ["echo", "hello", "$HOME", "a  b", "*"] });

        Assert.Equal("hello $HOME a  b *\n", result.StdoutTail);
        Assert.Equal("", result.StderrTail);
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Succeeded);
        Assert.False(result.TimedOut);
    }

    [Fact]
    public async Task Stderr_is_captured_apart_from_stdout_and_a_non_zero_exit_code_is_reported()
    {
        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", "echo out; echo err >&2; exit 3"] });

        Assert.Equal("out\n", result.StdoutTail);
        Assert.Equal("err\n", result.StderrTail);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.False(result.TimedOut);
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("KILL", 137)]
    public async Task A_program_killed_by_signal_n_exits_with_128_plus_n(string signal, int expected)
    {
        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", $"kill -{signal} $$"] });

        Assert.Equal(expected, result.ExitCode);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Stdin_is_written_as_utf8_then_closed()
    {
        const string text = "héllo ✓ 🎉\nsecond line without newline";

        CommandResult result = await RunAsync(new() { Argv = ["cat"], Stdin = text });

        Assert.Equal(text, result.StdoutTail);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Without_stdin_the_program_reads_end_of_file_instead_of_the_callers_input()
    {
        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", "if read line; then echo \"got $line\"; else echo eof; fi"] });

        Assert.Equal("eof\n", result.StdoutTail);
    }

    [Fact]
    public async Task A_large_stdin_is_fed_while_the_echoed_output_is_read()
    {
        // Far more than a pipe holds in either direction: feeding and reading must run side by side.
        string text = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"line {i}\n"));

        CommandResult result = await RunAsync(new() { Argv = ["cat"], Stdin = text, TailChars = CommandRunner.MaxTailChars });

        Assert.True(text.Length is > 200_000 and < CommandRunner.MaxTailChars);
        Assert.Equal(text, result.StdoutTail);
    }

    [Fact]
    public async Task A_program_that_never_reads_its_stdin_still_succeeds()
    {
        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", "echo ignored"], Stdin = new string('x', 1 << 20) });

        Assert.Equal("ignored\n", result.StdoutTail);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Environment_variables_are_set_and_removed_and_the_rest_inherited()
    {
        System.Environment.SetEnvironmentVariable("SPINDLE_TEST_KEPT", "kept");
        System.Environment.SetEnvironmentVariable("SPINDLE_TEST_REMOVED", "present");

        CommandResult result = await RunAsync(new()
        {
            Argv = ["sh", "-c", "echo \"${SPINDLE_TEST_SET-unset}|${SPINDLE_TEST_KEPT-unset}|${SPINDLE_TEST_REMOVED-unset}\""],
            Environment = new Dictionary<string, string?> { ["SPINDLE_TEST_SET"] = "set", ["SPINDLE_TEST_REMOVED"] = null },
        });

        Assert.Equal("set|kept|unset\n", result.StdoutTail);
    }

    [Fact]
    public async Task The_program_runs_in_the_given_working_directory()
    {
        CommandResult result = await RunAsync(new() { Argv = ["pwd"], WorkingDirectory = _scratch.FullName });

        Assert.Equal(_scratch.FullName + "\n", result.StdoutTail);
    }

    [Fact]
    public async Task A_relative_program_path_is_found_in_the_working_directory()
    {
        WriteScript("hello.sh", "#!/bin/sh\necho \"hello from $(pwd)\"\n");

        CommandResult result = await RunAsync(new() { Argv = ["./hello.sh"], WorkingDirectory = _scratch.FullName });

        Assert.Equal($"hello from {_scratch.FullName}\n", result.StdoutTail);
    }

    [Fact]
    public async Task A_bare_program_name_is_looked_up_on_the_PATH_the_program_gets()
    {
        WriteScript("spindle-test-greet", "#!/bin/sh\necho greetings\n");

        CommandResult result = await RunAsync(new()
        {
            Argv = ["spindle-test-greet"],
            Environment = new Dictionary<string, string?> { ["PATH"] = $"{_scratch.FullName}:/usr/bin:/bin" },
        });

        Assert.Equal("greetings\n", result.StdoutTail);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(70_001)]
    [InlineData(CommandRunner.MaxTailChars)]
    public async Task Only_the_last_TailChars_characters_of_each_stream_are_kept(int tailChars)
    {
        string all = string.Concat(Enumerable.Range(1, 200_000).Select(i => $"{i}\n"));

        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", "seq 1 200000; seq 1 200000 >&2"], TailChars = tailChars });

        Assert.True(all.Length > CommandRunner.MaxTailChars);
        Assert.Equal(all[^tailChars..], result.StdoutTail);
        Assert.Equal(all[^tailChars..], result.StderrTail);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_timeout_kills_the_program_and_its_children_and_keeps_the_output_so_far()
    {
        var time = new FakeTimeProvider();
        string started = ProcessProbe.MakeFifo(_scratch.FullName);

        Task<CommandResult> run = RunAsync(
            new() { Argv = ["sh", "-c", "echo before; sleep 300 & echo $$ $! > \"$0\"; wait", started], Timeout = TimeSpan.FromMinutes(1) },
            time: time).AsTask();
        int[] pids = await ReadPidsAsync(started);
        time.Advance(TimeSpan.FromMinutes(1));
        CommandResult result = await run.WaitAsync(ProcessProbe.Patience);

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.Equal(137, result.ExitCode);
        Assert.Equal("before\n", result.StdoutTail);
        Assert.Equal(TimeSpan.FromMinutes(1), result.Duration);
        await ProcessProbe.AssertGoneAsync(pids[1], "the grandchild, after the timeout");
    }

    [Fact]
    public async Task A_timeout_on_the_system_clock_kills_the_program()
    {
        CommandResult result = await RunAsync(new() { Argv = ["sleep", "300"], Timeout = TimeSpan.FromMilliseconds(200) }).AsTask().WaitAsync(ProcessProbe.Patience);

        Assert.True(result.TimedOut);
        Assert.Equal(137, result.ExitCode);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(200), $"ran {result.Duration}");
    }

    [Fact]
    public async Task Cancelling_kills_the_program_and_its_children_and_throws()
    {
        string started = ProcessProbe.MakeFifo(_scratch.FullName);
        using var cancel = new CancellationTokenSource();

        Task<CommandResult> run = RunAsync(new() { Argv = ["sh", "-c", "sleep 300 & echo $$ $! > \"$0\"; wait", started] }, cancel.Token).AsTask();
        int[] pids = await ReadPidsAsync(started);
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(ProcessProbe.Patience));
        Assert.Equal(cancel.Token, error.CancellationToken);
        foreach (int pid in pids)
        {
            await ProcessProbe.AssertGoneAsync(pid, "a process of the cancelled command");
        }
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_starts_nothing()
    {
        string marker = Path.Combine(_scratch.FullName, "ran");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await RunAsync(new() { Argv = ["touch", marker] }, new CancellationToken(canceled: true)));

        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_background_child_holding_the_output_open_does_not_hold_the_call()
    {
        CommandResult result = await RunAsync(new() { Argv = ["sh", "-c", "sleep 300 & echo $!"] }).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        int background = int.Parse(result.StdoutTail.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, result.ExitCode);
        Assert.True(ProcessProbe.IsRunning(background), "the background child is not ours to kill once the program exited");
        using Process leftover = Process.GetProcessById(background);
        leftover.Kill();
    }

    [Fact]
    public async Task Duration_is_measured_on_the_contexts_clock()
    {
        var frozen = new FakeTimeProvider();

        CommandResult onFakeTime = await RunAsync(new() { Argv = ["sleep", "0.2"] }, time: frozen);
        CommandResult onRealTime = await RunAsync(new() { Argv = ["sleep", "0.2"] });

        Assert.Equal(TimeSpan.Zero, onFakeTime.Duration);
        Assert.True(onRealTime.Duration >= TimeSpan.FromMilliseconds(200), $"ran {onRealTime.Duration}");
    }

    [Fact]
    public async Task A_program_not_on_the_PATH_gives_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await RunAsync(new() { Argv = ["spindle-no-such-program"] }));

        Assert.Contains("'spindle-no-such-program'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no such program on PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_executable_gives_an_error_naming_it()
    {
        string file = Path.Combine(_scratch.FullName, "plain.txt");
        File.WriteAllText(file, "echo hi\n");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await RunAsync(new() { Argv = [file] }));

        Assert.Contains($"'{file}' is not executable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_the_system_cannot_execute_gives_an_error_naming_it_and_the_reason()
    {
        string file = WriteScript("no-shebang", "this is not a program\n");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await RunAsync(new() { Argv = [file] }));

        Assert.StartsWith($"Cannot start '{file}' for task 'command': ", error.Message, StringComparison.Ordinal);
        Assert.IsType<System.ComponentModel.Win32Exception>(error.InnerException);
    }

    [Fact]
    public async Task A_missing_working_directory_gives_an_error_naming_it()
    {
        string missing = Path.Combine(_scratch.FullName, "missing");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await RunAsync(new() { Argv = ["pwd"], WorkingDirectory = missing }));

        Assert.Equal($"Cannot start 'pwd' for task 'command': its working directory '{missing}' does not exist.", error.Message);
    }

    public static TheoryData<CommandArgs, string> InvalidArguments => new()
    {
        { new() { Argv = [] }, "Argv is empty" },
        { new() { Argv = null! }, "Argv is empty" },
        { new() { Argv = [""] }, "Argv[0], the program to run, is empty" },
        { new() { Argv = ["echo", null!] }, "Argv[1] is null" },
        { new() { Argv = ["echo", "a\0b"] }, "Argv[1] is null or contains a NUL character" },
        { new() { Argv = ["echo"], TailChars = -1 }, "TailChars is -1; it must be from 0 to 1048576" },
        { new() { Argv = ["echo"], TailChars = CommandRunner.MaxTailChars + 1 }, "TailChars is 1048577" },
        { new() { Argv = ["echo"], Timeout = TimeSpan.Zero }, "Timeout is 00:00:00; it must be positive" },
        { new() { Argv = ["echo"], Timeout = TimeSpan.FromSeconds(-1) }, "Timeout is -00:00:01" },
        { new() { Argv = ["echo"], Timeout = TimeSpan.FromDays(50) }, "at most 49 days" },
        { new() { Argv = ["echo"], WorkingDirectory = "" }, "WorkingDirectory is empty" },
        { new() { Argv = ["echo"], Environment = new Dictionary<string, string?> { ["A=B"] = "c" } }, "Environment variable 'A=B' is not valid" },
        { new() { Argv = ["echo"], Environment = new Dictionary<string, string?> { [""] = "c" } }, "Environment variable '' is not valid" },
    };

    [Theory]
    [MemberData(nameof(InvalidArguments))]
    public async Task Invalid_arguments_are_refused_before_anything_runs(CommandArgs arguments, string problem)
    {
        var error = await Assert.ThrowsAsync<TaskArgumentException>(async () => await RunAsync(arguments));

        Assert.Equal(CommandTask.Name, error.TaskKind);
        Assert.StartsWith("Invalid arguments for task 'command': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_untyped_json_path_runs_a_command_and_writes_its_result()
    {
        byte[] arguments = """
            {"argv": ["sh", "-c", "cat; echo \"$GREETING\"; echo warn >&2; exit 4"], "stdin": "in:",
             "environment": {"GREETING": "hi"}, "timeout": "00:00:30", "tailChars": 100}
            """u8.ToArray();

        byte[] json = await InvokeJsonAsync(arguments);

        using JsonDocument result = JsonDocument.Parse(json);
        JsonElement root = result.RootElement;
        Assert.Equal(4, root.GetProperty("exitCode").GetInt32());
        Assert.Equal("in:hi\n", root.GetProperty("stdoutTail").GetString());
        Assert.Equal("warn\n", root.GetProperty("stderrTail").GetString());
        Assert.False(root.GetProperty("timedOut").GetBoolean());
        Assert.False(root.GetProperty("succeeded").GetBoolean());
        Assert.True(TimeSpan.Parse(root.GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);
        CommandResult typed = CommandTask.Kind.ResultCodec.Read(json);
        Assert.Equal((4, "in:hi\n", "warn\n", false), (typed.ExitCode, typed.StdoutTail, typed.StderrTail, typed.TimedOut));
    }

    [Theory]
    [InlineData("""{"argv": "echo hi"}""", "Malformed arguments for task 'command'")]
    [InlineData("""{"stdin": "no argv"}""", "Malformed arguments for task 'command'")]
    [InlineData("not json", "Malformed arguments for task 'command'")]
    [InlineData("""{"argv": []}""", "Invalid arguments for task 'command': Argv is empty")]
    [InlineData("null", "Invalid arguments for task 'command': the arguments are null")]
    public async Task Bad_json_arguments_are_refused_naming_the_kind(string json, string expected)
    {
        var error = await Assert.ThrowsAsync<TaskArgumentException>(() => InvokeJsonAsync(System.Text.Encoding.UTF8.GetBytes(json)));

        Assert.Equal(CommandTask.Name, error.TaskKind);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_arguments_without_tail_chars_keep_the_default_tail()
    {
        // What `spindle enqueue command -- echo hi` stores: only argv.
        byte[] answer = await InvokeJsonAsync("""{"argv":["echo","from json"]}"""u8.ToArray());

        using var result = System.Text.Json.JsonDocument.Parse(answer);
        Assert.Equal("from json\n", result.RootElement.GetProperty("stdoutTail").GetString());
        Assert.Equal(8192, System.Text.Json.JsonSerializer.Deserialize("""{"argv":["x"]}""", CommandJson.Default.CommandArgs)!.TailChars);
    }

    private static ValueTask<CommandResult> RunAsync(CommandArgs arguments, CancellationToken cancellationToken = default, TimeProvider? time = null) =>
        CommandTask.Kind.InvokeAsync(arguments, new TaskContext(CommandTask.Name, cancellationToken, timeProvider: time));

    private static async Task<byte[]> InvokeJsonAsync(byte[] arguments)
    {
        var buffer = new ArrayBufferWriter<byte>();
        await CommandTask.Kind.Handler.InvokeAsync(arguments, new TaskContext(CommandTask.Name), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Waits until the command has written "$$ $!" (its shell's pid and its background child's) to the fifo.</summary>
    private static async Task<int[]> ReadPidsAsync(string fifo)
    {
        string text = await Task.Run(() => File.ReadAllText(fifo)).WaitAsync(ProcessProbe.Patience);
        int[] pids = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        Assert.Equal(2, pids.Length);
        return pids;
    }

    private string WriteScript(string name, string text)
    {
        string path = Path.Combine(_scratch.FullName, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
