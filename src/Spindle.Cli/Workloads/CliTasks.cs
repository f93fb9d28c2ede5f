using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Spindle.Tasks;

namespace Spindle.Cli.Workloads;

/// <summary>
/// The named tasks of the <c>spindle</c> tool: the benchmarks' and the tour's. The tool's <c>Main</c> builds this
/// catalog and hands it to <c>ProcessWorker.RunIfRequested</c>, so the tool is its own worker program. Task
/// modules named in <c>SPINDLE_TASK_MODULES</c> (paths separated by the platform's path separator) join it.
/// </summary>
internal sealed class CliTasks
{
    internal const string ModulesVariable = "SPINDLE_TASK_MODULES";

    private CliTasks(TaskCatalog catalog)
    {
        Catalog = catalog;
        // Source-generated JSON for the argument and result types: the reflection-based default would cost every
        // start of the tool (and of each of its worker processes) tens of milliseconds of setup.
        CliTaskJson json = CliTaskJson.Default;
        Noop = catalog.Add("bench.noop", (int x, TaskContext _) => x, json.Int32, json.Int32);
        Mix = catalog.Add("bench.mix", (long x, TaskContext _) => MapWorkload.Mix(x), json.Int64, json.Int64);
        Crash = catalog.Add("tour.crash", (string message, TaskContext _) => CrashNow(message), json.String, json.Int32);
        Square = catalog.Add("tour.square", (long x, TaskContext _) => x * x, json.Int64, json.Int64);
        WhereAmI = catalog.Add("tour.where", (int x, TaskContext _) => $"item {x} ran in process {Environment.ProcessId}", json.Int32, json.String);
        Nap = catalog.Add("tour.nap", NapAsync, json.Int32, json.String);
        Primes = catalog.Add("tour.primes", (int below, TaskContext _) => CountPrimes(below), json.Int32, json.Int32);
        Flaky = catalog.Add("tour.flaky", (string name, TaskContext context) => FailFirstAttempt(name, context.Attempt), json.String, json.String);
        foreach (string module in (Environment.GetEnvironmentVariable(ModulesVariable) ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            AddModules(catalog, module);
        }
    }

    /// <summary>
    /// <see cref="TaskCatalog.AddModules"/>, for <c>--tasks</c> and <see cref="ModulesVariable"/>. The JIT builds of
    /// the tool are not trimmed, so the module's code finds everything it uses; the native AOT build
    /// (<c>SPINDLE_BUILD=aot</c>) is trimmed, and there the catalog refuses the module before loading anything.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only JIT builds, untrimmed, load a module; the native AOT build refuses it first.")]
    internal static void AddModules(TaskCatalog catalog, string module) => catalog.AddModules(module);

    internal TaskCatalog Catalog { get; }

    internal TaskKind<int, int> Noop { get; }

    internal TaskKind<long, long> Mix { get; }

    internal TaskKind<string, int> Crash { get; }

    internal TaskKind<long, long> Square { get; }

    internal TaskKind<int, string> WhereAmI { get; }

    /// <summary>Waits the given number of milliseconds in the worker, then says where it ran: a call that takes a while.</summary>
    internal TaskKind<int, string> Nap { get; }

    /// <summary>Counts the primes below a number by trial division: a little real work, with a result to check.</summary>
    internal TaskKind<int, int> Primes { get; }

    /// <summary>Fails its first attempt on purpose and succeeds on any later one (the queue chapter's retried job).</summary>
    internal TaskKind<string, string> Flaky { get; }

    internal static CliTasks Create() => new(new TaskCatalog());

    private static async ValueTask<string> NapAsync(int milliseconds, TaskContext context)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), context.TimeProvider, context.CancellationToken);
        return $"slept {milliseconds} ms in process {Environment.ProcessId}";
    }

    private static int CountPrimes(int below)
    {
        int count = below > 2 ? 1 : 0;
        for (int n = 3; n < below; n += 2)
        {
            bool prime = true;
            for (long d = 3; d * d <= n; d += 2)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            count += prime ? 1 : 0;
        }

        return count;
    }

    private static string FailFirstAttempt(string name, int attempt) => attempt <= 1
        ? throw new InvalidOperationException($"{name}: attempt {attempt} fails on purpose in process {Environment.ProcessId}")
        : $"{name}: attempt {attempt} succeeded in process {Environment.ProcessId}";

    private static int CrashNow(string message)
    {
        Environment.FailFast(message);
        return 0;
    }
}

/// <summary>The JSON of the tool's own task kinds' arguments and results.</summary>
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliTaskJson : JsonSerializerContext;
