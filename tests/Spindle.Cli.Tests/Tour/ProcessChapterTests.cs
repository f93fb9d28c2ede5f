using System.Globalization;
using System.Text.RegularExpressions;

namespace Spindle.Cli.Tests.Tour;

/// <summary>The processes and subprocess chapters: both run real worker processes (the tool, started from the test host).</summary>
public sealed class ProcessChapterTests
{
    [Fact]
    public async Task Processes_runs_calls_in_other_processes_streams_and_maps_results_and_survives_a_worker_crash()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("processes");
        Assert.Contains("processes: multiprocessing on a ProcessPool", run.Output, StringComparison.Ordinal);

        // Process: the chapter runs in this test host, and its call runs in one of the two workers.
        Match started = Regex.Match(run.Output, @"started 2 worker processes \(pids (?<a>\d+), (?<b>\d+)\) in \d+ ms; this process is (?<self>\d+)");
        Assert.True(started.Success, run.Output);
        Assert.Equal(Environment.ProcessId, Int(started.Groups["self"]));
        int[] workers = [Int(started.Groups["a"]), Int(started.Groups["b"])];
        Assert.DoesNotContain(Environment.ProcessId, workers);
        Match first = Regex.Match(run.Output, @"› item 1 ran in process (?<pid>\d+)\n");
        Assert.True(first.Success, run.Output);
        Assert.Contains(Int(first.Groups["pid"]), workers);

        // Queue and Pipe: every item of the unordered map arrives once, with its own source index and result.
        int[] naps = [250, 50, 150, 0, 100, 200];
        MatchCollection streamed = Regex.Matches(run.Output, @"› +\d+ ms  #(?<index>\d+): slept (?<ms>\d+) ms in process (?<pid>\d+)\n");
        Assert.Equal([0, 1, 2, 3, 4, 5], streamed.Select(m => Int(m.Groups["index"])).Order());
        Assert.All(streamed, m => Assert.Equal(naps[Int(m.Groups["index"])], Int(m.Groups["ms"])));
        Assert.All(streamed, m => Assert.Contains(Int(m.Groups["pid"]), workers));

        // Pool.map: the tutorial's three items, then a hundred thousand, checked in order by the chapter itself.
        Assert.Contains("› [1, 4, 9]\n", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"› 1\.\.100,000: 100,000 squares in \d+ ms, every one in source order; the last is 10,000,000,000\n", run.Output);
        Assert.Contains("(sum 333,338,333,350,000)", run.Output, StringComparison.Ordinal);

        // apply_async: four futures, each answered by a worker.
        MatchCollection futures = Regex.Matches(run.Output, @"› +\d+ ms  future (?<n>\d): slept 200 ms in process (?<pid>\d+)\n");
        Assert.Equal([1, 2, 3, 4], futures.Select(m => Int(m.Groups["n"])));
        Assert.All(futures, m => Assert.Contains(Int(m.Groups["pid"]), workers));

        // The crash: only the crashing call failed, with FailFast's message as the reason; the others succeeded.
        Match crashed = Regex.Match(
            run.Output,
            @"› crash failed with WorkerCrashedException: Worker \d+ \(process (?<pid>\d+)\) (was killed by signal \d+ \(\w+\)|exited with code \d+) while running task 'tour\.crash': Environment\.FailFast: tour: this worker gives up on purpose\.\n");
        Assert.True(crashed.Success, run.Output);
        Assert.Contains(Int(crashed.Groups["pid"]), workers);
        Assert.Matches(@"›   reason: Environment\.FailFast: tour: this worker gives up on purpose; signal: (\d+|none); exit code: (\d+|none)\n", run.Output);
        Assert.Matches(@"› the other 4 calls succeeded: item 1 ran in process \d+; item 2 ran in process \d+; item 3 ran in process \d+; item 4 ran in process \d+\n", run.Output);
        Assert.Contains("› Stats: Crashed 1, WorkersLost 1, WorkersStarted 3\n", run.Output, StringComparison.Ordinal);

        // The pool replaced the dead worker: two ready workers, one of them a new process.
        string after = Assert.Single(run.Lines, line => line.Contains("workers after:", StringComparison.Ordinal));
        MatchCollection afterWorkers = Regex.Matches(after, @"worker \d+ \(pid (?<pid>\d+), Ready(?<new>, new)?\)");
        Assert.Equal(2, afterWorkers.Count);
        Match replacement = Assert.Single(afterWorkers, m => m.Groups["new"].Success);
        Assert.DoesNotContain(Int(replacement.Groups["pid"]), workers);
        Match survivor = Assert.Single(afterWorkers, m => !m.Groups["new"].Success);
        Assert.Contains(Int(survivor.Groups["pid"]), workers);
        Assert.NotEqual(Int(crashed.Groups["pid"]), Int(survivor.Groups["pid"]));

        Match more = Regex.Match(run.Output, @"› one more call: item 5 ran in process (?<pid>\d+)\n");
        Assert.True(more.Success, run.Output);
        Assert.Contains(Int(more.Groups["pid"]), afterWorkers.Select(m => Int(m.Groups["pid"])));

        // The runtime's crash report reached OnWorkerOutput (and not the tour's output).
        Match report = Regex.Match(run.Output, @"the runtime's crash report \((?<lines>\d+) lines on the worker's standard error\)");
        Assert.True(report.Success && Int(report.Groups["lines"]) > 0, run.Output);
        Assert.DoesNotContain("Process terminated", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subprocess_runs_programs_in_parallel_and_reports_exit_codes_stderr_timeouts_and_stdin()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("subprocess");
        Assert.Contains("subprocess: programs in parallel, with exit codes, output and timeouts", run.Output, StringComparison.Ordinal);

        // Four 0.3 s sleeps, each successful; together they took well under the sum of their durations.
        string[][] sleeps = [.. Rows(run).Where(cells => cells[0] == "sh -c 'sleep 0.3; echo done'")];
        Assert.Equal(4, sleeps.Length);
        Assert.All(sleeps, cells => Assert.Equal(["0", "no"], cells[1..3]));
        Assert.All(sleeps, cells => Assert.Equal("done", cells[4]));
        Match wall = Regex.Match(run.Output, @"wall time (?<wall>\d+) ms for (?<sum>\d+) ms of programs");
        Assert.True(wall.Success, run.Output);
        double wallMs = Int(wall.Groups["wall"]);
        double sumMs = Int(wall.Groups["sum"]);
        Assert.True(sumMs >= 4 * 300, run.Output);

        // A behaviour check, not a benchmark: run one after another they would take the whole sum.
        Assert.True(wallMs < 0.75 * sumMs, $"wall {wallMs} ms is not well below the serial {sumMs} ms:\n{run.Output}");

        string[] failed = Assert.Single(Rows(run), cells => cells[0] == "sh -c 'echo \"disk full\" >&2; exit 3'");
        Assert.Equal(["3", "no"], failed[1..3]);
        Assert.Equal("stderr: disk full", failed[4]);

        string[] killed = Assert.Single(Rows(run), cells => cells[0] == "sleep 5");
        Assert.Equal(["137", "yes"], killed[1..3]);
        Assert.Equal("-", killed[4]);
        Assert.Matches(@"killed with its children after \d+ ms: TimedOut is True, exit code 137", run.Output);

        string[] upper = Assert.Single(Rows(run), cells => cells[0] == "echo 'hello from the parent process' | tr a-z A-Z");
        Assert.Equal(["0", "no"], upper[1..3]);
        Assert.Equal("HELLO FROM THE PARENT PROCESS", upper[4]);

        string[] counted = Assert.Single(Rows(run), cells => cells[0] == "echo 'spindle' | wc -c");
        Assert.Equal(["0", "no", "8"], [.. counted[1..3], counted[4]]);

        Assert.Contains("The pool lost no worker (Stats.WorkersLost 0) and ran 8 calls", run.Output, StringComparison.Ordinal);
    }

    /// <summary>The cells of every table row (program, exit code, timed out, duration, output tail), trimmed.</summary>
    private static IEnumerable<string[]> Rows(SpindleRun run) =>
        run.Lines
            .Select(line => line.Split('│'))
            .Where(cells => cells.Length == 7 && cells[1].Trim() != "program")
            .Select(cells => cells[1..6].Select(c => c.Trim()).ToArray());

    private static int Int(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);
}
