using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Spindle.Cli.Tour;
using Spindle.Queue;
using Spindle.Tasks;

namespace Spindle.Cli.Tests.Tour;

/// <summary>
/// The queue chapter: real <c>spindle worker</c> processes on a real SQLite file. The store is kept in a test
/// folder and read back here, so each claim is checked against what the workers wrote, not only what was printed.
/// </summary>
public sealed class QueueChapterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spindle-tour-queue-test-").FullName;

    private string Store => $"sqlite:{Path.Combine(_folder, "queue.db")}";

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

    [Fact]
    public async Task Both_workers_run_the_batch_the_failing_job_is_retried_and_the_killed_workers_job_is_rescued_by_the_other()
    {
        var output = new StringWriter();
        await new QueueChapter(_folder).RunAsync(SpindleRun.CreateConsole(output), CancellationToken.None).WaitAsync(SpindleRun.Patience);
        string printed = output.ToString();

        await using JobQueue queue = await JobQueue.OpenAsync(Store);
        IReadOnlyList<JobInfo> jobs = (await queue.ListAsync(new JobListQuery { Limit = 1000, NewestFirst = false })).Jobs;

        // The batch: every prime count right (checked against a sieve here), run by both worker processes.
        JobInfo[] primes = [.. jobs.Where(j => j.Kind == "tour.primes")];
        Assert.Equal(QueueChapter.PrimeLimits, primes.Select(j => int.Parse(j.Arguments, CultureInfo.InvariantCulture)));
        Assert.All(primes, j => Assert.Equal(JobState.Succeeded, j.State));
        Assert.All(primes, j => Assert.Equal(PrimesBelow(int.Parse(j.Arguments, CultureInfo.InvariantCulture)), int.Parse(j.Result!, CultureInfo.InvariantCulture)));
        string[] workers = [.. primes.Select(j => j.AttemptedBy!).Distinct().Order(StringComparer.Ordinal)];
        Assert.True(workers.Length == 2, $"the batch ran on {workers.Length} worker(s): {string.Join(", ", workers)}\n{printed}");
        int[] pids = [.. workers.Select(WorkerPid)];
        Assert.DoesNotContain(Environment.ProcessId, pids);

        // The failing job: its first attempt failed with the handler's exception, kept after the retry succeeded.
        JobInfo flaky = Assert.Single(jobs, j => j.Kind == "tour.flaky");
        Assert.Equal(JobState.Succeeded, flaky.State);
        Assert.Equal(2, flaky.Attempt);
        Assert.Equal(TaskFailureKind.Exception, flaky.Error!.Kind);
        Assert.Equal(typeof(InvalidOperationException).FullName, flaky.Error.ErrorType);
        Assert.StartsWith($"{QueueChapter.FlakyName}: attempt 1 fails on purpose in process ", flaky.Error.Message, StringComparison.Ordinal);
        Assert.Contains(flaky.AttemptedBy, workers);
        Assert.Equal($"\"{QueueChapter.FlakyName}: attempt 2 succeeded in process {WorkerPid(flaky.AttemptedBy!)}\"", flaky.Result);

        // The long job: attempt 1's worker stopped renewing (it was killed), the job was rescued only after that
        // lease ran out, and attempt 2 ran to success on the other worker.
        JobInfo nap = Assert.Single(jobs, j => j.Kind == "tour.nap");
        Assert.Equal(JobState.Succeeded, nap.State);
        Assert.Equal(2, nap.Attempt);
        Assert.Equal(TaskFailureKind.Lost, nap.Error!.Kind);
        Match lost = Regex.Match(nap.Error.Message, @"^lease expired: worker (?<worker>\S+) stopped renewing attempt 1 \(lease ran out at (?<at>[^)]+)\)$");
        Assert.True(lost.Success, nap.Error.Message);
        string killed = lost.Groups["worker"].Value;
        Assert.Contains(killed, workers);
        Assert.Contains(nap.AttemptedBy, workers);
        Assert.NotEqual(killed, nap.AttemptedBy);
        DateTimeOffset leaseRanOut = DateTimeOffset.Parse(lost.Groups["at"].Value, CultureInfo.InvariantCulture);
        Assert.True(nap.RunAt >= leaseRanOut, $"rescued at {nap.RunAt:O}, before the lease ran out at {leaseRanOut:O}");
        Assert.True(nap.AttemptedAt >= nap.RunAt, $"attempt 2 started at {nap.AttemptedAt:O}, before the rescue at {nap.RunAt:O}");
        Assert.Equal($"\"slept {QueueChapter.LongJobMs} ms in process {WorkerPid(nap.AttemptedBy!)}\"", nap.Result);

        // What the chapter printed agrees with the store.
        string labelOf(string workerId) => Regex.Match(printed, $@"› worker (?<label>[AB]): process \d+, worker id {Regex.Escape(workerId)}\n").Groups["label"].Value;
        Assert.Equal(["A", "B"], workers.Select(labelOf).Order(StringComparer.Ordinal));
        foreach (JobInfo job in primes)
        {
            Assert.Matches($@"› \+ *\d+ ms  job {job.Id}  primes below +{Number(job.Arguments)}: +{Number(job.Result!)}  on worker {labelOf(job.AttemptedBy!)} \(process {WorkerPid(job.AttemptedBy!)}\)\n", printed);
        }

        Assert.Contains($"job {flaky.Id} read back from the store: Succeeded on attempt 2 of 3, on worker {labelOf(flaky.AttemptedBy!)}", printed, StringComparison.Ordinal);
        Assert.Matches($@"› \+ *\d+ ms  claimed by worker {labelOf(killed)} \(process {WorkerPid(killed)}\), attempt 1\n", printed);
        Assert.Matches($@"› \+ *\d+ ms  worker {labelOf(killed)} killed with SIGKILL \(exit code 137\); the job is still Running in the store", printed);
        Assert.Matches($@"› \+ *\d+ ms  claimed by worker {labelOf(nap.AttemptedBy!)} \(process {WorkerPid(nap.AttemptedBy!)}\), attempt 2\n", printed);
        Assert.Contains($"worker {labelOf(nap.AttemptedBy!)} got SIGTERM, said 'Worker stopped.' and exited with code 0", printed, StringComparison.Ordinal);
        Assert.Contains("worker processes still running: 0", printed, StringComparison.Ordinal);

        // No worker process outlived the chapter.
        Assert.Empty(ProcessesMentioning(_folder));
    }

    [Fact]
    public async Task Run_by_the_tour_command_it_shows_both_workers_and_leaves_neither_process_nor_store_behind()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("queue");
        Assert.Contains("queue: Celery on an embedded store, with real worker processes", run.Output, StringComparison.Ordinal);
        Match store = Regex.Match(run.Output, @"› store: sqlite:(?<path>\S+/queue\.db) \(new, deleted at the end\)");
        Assert.True(store.Success, run.Output);
        string folder = Path.GetDirectoryName(store.Groups["path"].Value)!;

        Assert.Matches(@"primes below +[\d,]+: +[\d,]+  on worker A \(process \d+\)", run.Output);
        Assert.Matches(@"primes below +[\d,]+: +[\d,]+  on worker B \(process \d+\)", run.Output);
        Assert.Matches(@"attempt 2 succeeded in process \d+""  on worker [AB] \(process \d+\), attempt 2", run.Output);
        Assert.Matches(@"rescued by the surviving worker's maintenance: available again, with the error Lost: lease expired", run.Output);
        Assert.Contains("Celery → Spindle", run.Output, StringComparison.Ordinal);

        Assert.False(Directory.Exists(folder), $"the chapter left its store folder {folder}");
        Assert.Empty(ProcessesMentioning(folder));
    }

    [Fact]
    public async Task Cancelled_midway_the_tour_exits_130_and_leaves_neither_worker_process_nor_store()
    {
        using var cancel = new CancellationTokenSource();
        var output = new TriggerWriter("enqueued: tour.nap", cancel);
        int exitCode = await SpindleCommand.RunAsync(["tour", "queue"], SpindleRun.CreateConsole(output), new StringWriter(), cancel.Token).WaitAsync(SpindleRun.Patience);

        string printed = output.ToString();
        Assert.True(cancel.IsCancellationRequested, printed);
        Assert.Equal(130, exitCode);
        Assert.Matches(@"Tour interrupted after \d+\.\d s\.", printed);
        Assert.Equal(2, Regex.Matches(printed, @"› worker [AB]: process \d+,").Count);
        Match store = Regex.Match(printed, @"› store: sqlite:(?<path>\S+/queue\.db) ");
        Assert.True(store.Success, printed);
        string folder = Path.GetDirectoryName(store.Groups["path"].Value)!;
        Assert.False(Directory.Exists(folder), $"the chapter left its store folder {folder}");
        Assert.Empty(ProcessesMentioning(folder));
    }

    private static string Number(string json) => int.Parse(json, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The process id inside a default worker id, <c>machine-pid-suffix</c>.</summary>
    private static int WorkerPid(string workerId)
    {
        Match match = Regex.Match(workerId, @"-(?<pid>\d+)-[0-9a-f]{4}$");
        Assert.True(match.Success, workerId);
        return int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Live processes whose command line names <paramref name="text"/> (the chapter's store folder).</summary>
    private static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ').Contains(text, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static int PrimesBelow(int limit)
    {
        var composite = new bool[limit];
        int count = 0;
        for (int n = 2; n < limit; n++)
        {
            if (composite[n])
            {
                continue;
            }

            count++;
            for (long m = (long)n * n; m < limit; m += n)
            {
                composite[m] = true;
            }
        }

        return count;
    }

    /// <summary>Collects the console's text and cancels once <paramref name="trigger"/> has been written.</summary>
    private sealed class TriggerWriter(string trigger, CancellationTokenSource cancel) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            Check();
        }

        private void Check()
        {
            if (!cancel.IsCancellationRequested && GetStringBuilder().ToString().Contains(trigger, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }
}
