using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Processes;
using Spindle.Queue;
using Spindle.Tasks;
using Spindle.Tasks.Commands;

namespace Spindle.Cli.Queue;

/// <summary>
/// The queue commands: <c>enqueue</c>, <c>jobs</c>, <c>job</c>, <c>retry</c>, <c>cancel</c>, <c>stats</c> and
/// <c>worker</c>, and <c>schedule</c> (QueueCommands.Schedules.cs). Each takes <c>--store</c>; each ends with one of <see cref="ExitCodes"/>, errors on stderr.
/// </summary>
internal sealed partial class QueueCommands(IAnsiConsole console, TextWriter json, TextWriter errors)
{
    internal const string StoreVariable = "SPINDLE_STORE";

    internal IEnumerable<Command> Create() =>
        [CreateEnqueue(), CreateJobs(), CreateJob(), CreateRetry(), CreateCancel(), CreateStats(), CreateWorker(), CreateSchedule()];

    private static Option<string> StoreOption() => new("--store")
    {
        Description = $"The job store, such as sqlite:path/file.db or postgres://user:password@host:port/database (default: ${StoreVariable}, else sqlite:.spindle/queue.db).",
    };

    private static Option<bool> JsonOption(string description) => new("--json") { Description = description };

    private Command CreateEnqueue()
    {
        var kind = new Argument<string>("kind") { Description = "The task kind, such as bench.noop; 'command' runs a program: enqueue command -- <program> <args...>." };
        var argv = new Argument<string[]>("argv") { Description = "For the command kind: the program and its arguments (after --).", Arity = ArgumentArity.ZeroOrMore };
        var args = new Option<string>("--args") { Description = "The job's arguments as JSON (default: null)." };
        var queue = new Option<string>("--queue") { Description = "The queue (default: default)." };
        var priority = new Option<int>("--priority") { Description = "Higher runs first (default: 0)." };
        var delay = new Option<string>("--delay") { Description = "Run no earlier than this from now, such as 30s or 5m." };
        var runAt = new Option<string>("--run-at") { Description = "Run no earlier than this ISO 8601 moment." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Attempts before the job is dead." };
        var uniqueKey = new Option<string>("--unique-key") { Description = "A second enqueue with the same key returns the existing job." };
        var timeout = new Option<string>("--timeout") { Description = "The limit of one attempt, such as 30s." };
        var store = StoreOption();
        var jsonOption = JsonOption("Print the job's handle as JSON instead of its id.");
        var command = new Command("enqueue", "Enqueue a job; prints its id.")
        {
            kind, argv, args, queue, priority, delay, runAt, maxAttempts, uniqueKey, timeout, store, jsonOption,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            string kindName = result.GetValue(kind)!;
            string[] commandArgv = result.GetValue(argv) ?? [];
            string? argsJson = result.GetValue(args);
            string arguments;
            if (kindName == CommandTask.Name)
            {
                if (argsJson is not null && commandArgv.Length > 0)
                {
                    throw new QueueCliException(ExitCodes.Refused, "Give the command either as --args JSON or after --, not both.");
                }

                if (argsJson is null && commandArgv.Length == 0)
                {
                    throw new QueueCliException(ExitCodes.Refused, "The command kind needs a program: spindle enqueue command -- <program> <args...>.");
                }

                arguments = argsJson ?? new JsonObject { ["argv"] = new JsonArray([.. commandArgv.Select(a => JsonValue.Create(a))]) }.ToJsonString();
            }
            else
            {
                if (commandArgv.Length > 0)
                {
                    throw new QueueCliException(ExitCodes.Refused, $"Only the command kind takes a program after --; give {kindName}'s arguments with --args JSON.");
                }

                arguments = argsJson ?? "null";
            }

            QueueCliText.CheckJson(arguments, "--args");
            if (result.GetValue(delay) is not null && result.GetValue(runAt) is not null)
            {
                throw new QueueCliException(ExitCodes.Refused, "Give --delay or --run-at, not both.");
            }

            var options = new EnqueueOptions
            {
                Queue = result.GetValue(queue),
                Priority = result.GetValue(priority),
                Delay = result.GetValue(delay) is { } d ? QueueCliText.ParseDuration(d, "--delay") : null,
                RunAt = result.GetValue(runAt) is { } r ? QueueCliText.ParseMoment(r, "--run-at") : null,
                MaxAttempts = result.GetValue(maxAttempts),
                UniqueKey = result.GetValue(uniqueKey),
                Timeout = result.GetValue(timeout) is { } t ? QueueCliText.ParseDuration(t, "--timeout") : null,
            };
            JobHandle handle = await jobs.EnqueueAsync(kindName, arguments, options, cancellationToken);
            if (result.GetValue(jsonOption))
            {
                await json.WriteLineAsync(QueueCliText.ToJson(handle));
            }
            else
            {
                console.WriteLine(handle.Id.ToString(CultureInfo.InvariantCulture));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateJobs()
    {
        var queue = new Option<string>("--queue") { Description = "Only this queue's jobs." };
        var state = new Option<string>("--state") { Description = "Only jobs in this state." };
        state.AcceptOnlyFromAmong([.. Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant())]);
        var kind = new Option<string>("--kind") { Description = "Only jobs of this kind." };
        var limit = new Option<int>("--limit") { Description = "The most jobs shown, newest first (1 to 10,000).", DefaultValueFactory = _ => 50 };
        var store = StoreOption();
        var jsonOption = JsonOption("Print one JSON object per job, one a line, instead of a table.");
        var command = new Command("jobs", "List jobs, newest first.") { queue, state, kind, limit, store, jsonOption };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            var query = new JobListQuery
            {
                Queue = result.GetValue(queue),
                State = result.GetValue(state) is { } s ? Enum.Parse<JobState>(s, ignoreCase: true) : null,
                Kind = result.GetValue(kind),
                Limit = result.GetValue(limit),
            };
            JobPage page = await jobs.ListAsync(query, cancellationToken);
            if (result.GetValue(jsonOption))
            {
                foreach (JobInfo job in page.Jobs)
                {
                    await json.WriteLineAsync(QueueCliText.ToJson(job));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("id", "kind", "queue", "state", "attempt", "created", "error");
            foreach (JobInfo job in page.Jobs)
            {
                table.AddRow(
                    Markup.Escape(job.Id.ToString(CultureInfo.InvariantCulture)), Markup.Escape(job.Kind), Markup.Escape(job.Queue),
                    job.State.ToString(), $"{job.Attempt}/{job.MaxAttempts}",
                    job.CreatedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(Shorten(job.Error?.Message)));
            }

            console.Write(table);
            console.WriteLine($"{page.Jobs.Count} job(s)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateJob()
    {
        var id = new Argument<long>("id") { Description = "The job's id." };
        var store = StoreOption();
        var jsonOption = JsonOption("Print the job as one JSON object.");
        var command = new Command("job", "Show one job: state, attempts, arguments, result and error.") { id, store, jsonOption };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            long jobId = result.GetValue(id);
            JobInfo job = await jobs.GetAsync(jobId, cancellationToken) ?? throw NotFound(jobId);
            if (result.GetValue(jsonOption))
            {
                await json.WriteLineAsync(QueueCliText.ToJson(job));
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            void Row(string name, object? value)
            {
                if (value is not null)
                {
                    grid.AddRow(Markup.Escape(name), Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
                }
            }

            Row("id", job.Id);
            Row("kind", job.Kind);
            Row("queue", job.Queue);
            Row("state", job.State);
            Row("priority", job.Priority);
            Row("attempt", $"{job.Attempt}/{job.MaxAttempts}");
            Row("arguments", job.Arguments);
            Row("result", job.Result);
            Row("error", job.Error?.ToString());
            Row("unique key", job.UniqueKey);
            Row("created", job.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            Row("run at", job.RunAt.ToString("u", CultureInfo.InvariantCulture));
            Row("attempted by", job.AttemptedBy);
            Row("finished", job.FinishedAt?.ToString("u", CultureInfo.InvariantCulture));
            console.Write(grid);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateRetry()
    {
        var id = new Argument<long>("id") { Description = "The dead or cancelled job to run again." };
        var store = StoreOption();
        var command = new Command("retry", "Run a dead or cancelled job again.") { id, store };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            long jobId = result.GetValue(id);
            return await jobs.RetryAsync(jobId, cancellationToken) switch
            {
                JobRetryResult.Retried => Say($"Job {jobId} will run again."),
                JobRetryResult.NotFound => throw NotFound(jobId),
                _ => throw new QueueCliException(ExitCodes.Refused, $"Job {jobId} is not dead or cancelled, so it cannot be retried."),
            };
        }));
        return command;
    }

    private Command CreateCancel()
    {
        var id = new Argument<long>("id") { Description = "The job to cancel." };
        var store = StoreOption();
        var command = new Command("cancel", "Cancel a job (a running one at its worker's next heartbeat).") { id, store };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            long jobId = result.GetValue(id);
            return await jobs.CancelAsync(jobId, cancellationToken) switch
            {
                JobCancelResult.Cancelled => Say($"Job {jobId} cancelled."),
                JobCancelResult.CancelRequested => Say($"Job {jobId} is running: cancel requested."),
                JobCancelResult.NotFound => throw NotFound(jobId),
                _ => throw new QueueCliException(ExitCodes.Refused, $"Job {jobId} has already finished."),
            };
        }));
        return command;
    }

    private Command CreateStats()
    {
        var store = StoreOption();
        var jsonOption = JsonOption("Print one JSON object per queue, one a line, instead of a table.");
        var command = new Command("stats", "Jobs per queue and state.") { store, jsonOption };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            IReadOnlyList<QueueStats> stats = await jobs.StatsAsync(cancellationToken);
            if (result.GetValue(jsonOption))
            {
                foreach (QueueStats queue in stats)
                {
                    await json.WriteLineAsync(QueueCliText.ToJson(queue));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumn("queue");
            foreach (JobState state in Enum.GetValues<JobState>())
            {
                table.AddColumn(new TableColumn(state.ToString().ToLowerInvariant()).RightAligned());
            }

            table.AddColumn(new TableColumn("total").RightAligned());
            foreach (QueueStats queue in stats)
            {
                table.AddRow([Markup.Escape(queue.Queue), .. Enum.GetValues<JobState>().Select(s => queue[s].ToString(CultureInfo.InvariantCulture)), queue.Total.ToString(CultureInfo.InvariantCulture)]);
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateWorker()
    {
        var queues = new Option<string>("--queues") { Description = "The queues served, comma separated, each optionally with its own concurrency: emails:20,reports:2.", DefaultValueFactory = _ => "default" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Jobs run at once per queue, for queues given without their own (1 to 10,000; default 10, or with --processes N, N shared among the queues)." };
        var tasks = new Option<string[]>("--tasks") { Description = "Task module assemblies (.dll) whose kinds join the catalog.", AllowMultipleArgumentsPerToken = true };
        var processes = new Option<int>("--processes") { Description = "Run handlers on this many worker processes (isolation: a crash kills one of them, not the worker); 0 runs them in this process.", DefaultValueFactory = _ => 0 };
        var lease = new Option<string>("--lease") { Description = "How long a claimed job is held without a heartbeat before another worker may rescue it, such as 30s (default: 30s)." };
        var rescueInterval = new Option<string>("--rescue-interval") { Description = "How often jobs whose lease ran out are looked for, such as 1s (default: half the lease)." };
        var exitWithParent = new Option<bool>("--exit-with-parent")
        {
            Description = "Also stop gracefully when standard input closes: for a worker started by another program, which holds the worker's stdin open while it lives (so the worker goes even when that program is killed).",
        };
        var store = StoreOption();
        var command = new Command("worker", "Run jobs until Ctrl+C or SIGTERM, which stop it gracefully.") { queues, concurrency, tasks, processes, lease, rescueInterval, exitWithParent, store };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            TaskCatalog catalog = CliTasks.Create().Catalog;
            var modules = new List<string>();
            foreach (string module in result.GetValue(tasks) ?? [])
            {
                if (!File.Exists(module))
                {
                    throw new QueueCliException(ExitCodes.Refused, $"--tasks: no task module at {module}.");
                }

                modules.Add(Path.GetFullPath(module));
                CliTasks.AddModules(catalog, modules[^1]);
            }

            int processCount = result.GetValue(processes);
            Dictionary<string, int> served = QueueCliText.ParseQueues(result.GetValue(queues) ?? "default", result.GetValue(concurrency) ?? 10);
            if (processCount > 0 && result.GetValue(concurrency) is null)
            {
                // On worker processes a job runs only when a process is free: by default the queues share them.
                served = QueueCliText.ParseQueues(result.GetValue(queues) ?? "default", Math.Max(1, processCount / served.Count));
            }

            string[] names = [.. served.Keys];
            TimeSpan leaseTime = result.GetValue(lease) is { } l ? QueueCliText.ParseDuration(l, "--lease") : new QueueWorkerOptions().Lease;
            TimeSpan? rescueTime = result.GetValue(rescueInterval) is { } r ? QueueCliText.ParseDuration(r, "--rescue-interval") : null;
            await using ProcessPool? pool = await StartProcessesAsync(processCount, catalog, modules, cancellationToken);
            var options = new QueueWorkerOptions { Queues = served, Processes = pool, Lease = leaseTime, RescueInterval = rescueTime };
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            if (result.GetValue(exitWithParent))
            {
                WatchParent(stopping);
            }

            await using QueueWorker worker = QueueWorker.Create(jobs, catalog, options);
            string where = pool is null ? "" : $" on {pool.WorkerCount} worker processes";
            // Straight to the console's writer: a script (or a benchmark) waits for this line, and rendering it through
            // Spectre.Console for the first time costs a worker about 15 ms of its start (docs/benchmarks.md).
            console.Profile.Out.Writer.WriteLine($"Worker {worker.WorkerId} serving {string.Join(", ", served.Select(q => $"{q.Key} x{q.Value}"))}{where}; Ctrl+C stops it.");
            Task run = worker.RunAsync(stopping.Token);
            if (console.Profile.Capabilities.Interactive)
            {
                await console.Status().StartAsync("starting", async context =>
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, timer.WaitForNextTickAsync(CancellationToken.None).AsTask());
                        if (!run.IsCompleted)
                        {
                            context.Status(Markup.Escape(await StatusLineAsync(jobs, names)));
                        }
                    }
                });
            }

            await run;
            console.WriteLine("Worker stopped.");
            return ExitCodes.Ok;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                StopQuietly(stopping);
            }
        }));
        return command;
    }

    /// <summary>
    /// <c>--exit-with-parent</c>: a thread reads standard input until it closes, then stops the worker as SIGTERM would.
    /// The program that started the worker holds the write end; when it exits, even by SIGKILL, the kernel closes it.
    /// (A standard input that is already at its end, such as /dev/null, stops the worker at once.)
    /// </summary>
    private static void WatchParent(CancellationTokenSource stopping)
    {
        var watcher = new Thread(() =>
        {
            try
            {
                using Stream input = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (input.Read(buffer) > 0)
                {
                    // Whatever the parent writes is ignored; only the end of the stream counts.
                }
            }
            catch (IOException)
            {
                // A broken pipe, or no standard input at all: the parent is gone as well.
            }

            StopQuietly(stopping);
        })
        { IsBackground = true, Name = "spindle worker: parent watch" };
        watcher.Start();
    }

    /// <summary>
    /// Asks the worker to stop, from a signal handler or the parent watch. Either can run after the command ended and
    /// disposed the source (the runtime runs signal handlers on threads of their own), which then has nothing to stop.
    /// </summary>
    private static void StopQuietly(CancellationTokenSource stopping)
    {
        try
        {
            stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The worker had already stopped.
        }
    }

    /// <summary>The worker's process pool for <c>--processes N</c>: this tool relaunched N times, the task modules named to each.</summary>
    private static async Task<ProcessPool?> StartProcessesAsync(int count, TaskCatalog catalog, List<string> modules, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return null;
        }

        if (count is < 0 or > 256)
        {
            throw new QueueCliException(ExitCodes.Refused, $"--processes {count}: give 0 (handlers in this process) to 256.");
        }

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (modules.Count > 0)
        {
            // The pool's processes load what this one loaded: the modules of the variable (inherited) and of --tasks.
            string? inherited = Environment.GetEnvironmentVariable(CliTasks.ModulesVariable);
            environment[CliTasks.ModulesVariable] = string.Join(Path.PathSeparator, [.. string.IsNullOrEmpty(inherited) ? [] : new[] { inherited }, .. modules]);
        }

        return await ProcessPool.StartAsync(catalog, new ProcessPoolOptions { WorkerCount = count, Environment = environment }, cancellationToken);
    }

    private static async Task<string> StatusLineAsync(JobQueue jobs, string[] names)
    {
        IReadOnlyList<QueueStats> stats = await jobs.StatsAsync();
        var served = stats.Where(s => names.Contains(s.Queue, StringComparer.Ordinal)).ToList();
        long Sum(JobState state) => served.Sum(s => s[state]);
        return $"available {Sum(JobState.Available)}  running {Sum(JobState.Running)}  retrying {Sum(JobState.Retrying)}  "
            + $"succeeded {Sum(JobState.Succeeded)}  dead {Sum(JobState.Dead)}  scheduled {Sum(JobState.Scheduled)}";
    }

    private int Say(string message)
    {
        console.WriteLine(message);
        return ExitCodes.Ok;
    }

    private static QueueCliException NotFound(long id) => new(ExitCodes.NotFound, $"No job {id}.");

    private static string Shorten(string? text) =>
        text is null ? "" : text.ReplaceLineEndings(" ") is { Length: > 80 } line ? line[..77] + "..." : text.ReplaceLineEndings(" ");

    /// <summary>Opens the store, runs the body, and turns every failure into an exit code and one line on stderr.</summary>
    private async Task<int> RunAsync(string? store, Func<JobQueue, Task<int>> body)
    {
        string connectionString = ResolveStore(store);
        try
        {
            await using JobQueue jobs = await JobQueue.OpenAsync(connectionString);
            return await body(jobs);
        }
        catch (QueueCliException exception)
        {
            return Fail(exception.ExitCode, exception.Message);
        }
        catch (ArgumentException exception)
        {
            return Fail(ExitCodes.Refused, exception.Message);
        }
        catch (NotSupportedException exception)
        {
            return Fail(ExitCodes.Refused, exception.Message);
        }
        catch (OperationCanceledException)
        {
            return Fail(ExitCodes.Error, "Cancelled.");
        }
#pragma warning disable CA1031 // The command's last line of defence: any other failure is exit code 1 with its message.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Fail(ExitCodes.Error, $"{exception.GetType().Name}: {exception.Message}");
        }

        int Fail(int exitCode, string message)
        {
            errors.WriteLine($"spindle: {Redact(message, connectionString)}");
            return exitCode;
        }
    }

    /// <summary>The store named by <c>--store</c>, else <c>SPINDLE_STORE</c>, else <c>sqlite:.spindle/queue.db</c> (its folder created).</summary>
    internal static string ResolveStore(string? store)
    {
        if (!string.IsNullOrWhiteSpace(store))
        {
            return store;
        }

        string? variable = Environment.GetEnvironmentVariable(StoreVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return variable;
        }

        Directory.CreateDirectory(".spindle");
        return "sqlite:.spindle/queue.db";
    }

    /// <summary>Never echoes a connection string beyond its scheme: it may hold a password.</summary>
    internal static string Redact(string message, string connectionString)
    {
        int colon = connectionString.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon == connectionString.Length - 1)
        {
            return connectionString.Length == 0 ? message : message.Replace(connectionString, "(the store)", StringComparison.Ordinal);
        }

        string scheme = connectionString[..(colon + 1)];
        string rest = connectionString[(colon + 1)..];
        return message.Replace(connectionString, scheme + "...", StringComparison.Ordinal).Replace(rest, "...", StringComparison.Ordinal);
    }
}
