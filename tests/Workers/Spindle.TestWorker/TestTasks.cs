using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Spindle.Tasks;

namespace Spindle.TestWorker;

/// <summary>The task kinds of the process-pool tests, registered the same way in the tests and in the workers.</summary>
[SuppressMessage("Trimming", "IL2026", Justification = "A test program; reflection-based JSON is fine.")]
[SuppressMessage("AOT", "IL3050", Justification = "A test program; reflection-based JSON is fine.")]
public sealed class TestTasks
{
    private static readonly List<byte[]> Held = [];
    private static string? initialized;
    private static long ran;

    private TestTasks(TaskCatalog catalog)
    {
        Catalog = catalog;
        Echo = catalog.Add("test.echo", (long x, TaskContext _) => x);
        Square = catalog.Add("test.square", (long x, TaskContext _) => x * x);
        Pid = catalog.Add("test.pid", (int _, TaskContext _) => Environment.ProcessId);
        Attempt = catalog.Add("test.attempt", (int _, TaskContext c) => c.Attempt);
        Throw = catalog.Add("test.throw", (string message, TaskContext _) => Refuse(message));
        FailFast = catalog.Add<string, int>("test.failfast", (message, _) =>
        {
            Environment.FailFast(message);
            return 0;
        });
        Overflow = catalog.Add("test.overflow", (int depth, TaskContext _) => Recurse(depth));
        Exit = catalog.Add<int, int>("test.exit", (code, _) =>
        {
            Environment.Exit(code);
            return 0;
        });
        KillSelf = catalog.Add<int, int>("test.kill", (_, _) =>
        {
            Process.GetCurrentProcess().Kill();
            return 0;
        });
        Spin = catalog.Add("test.spin", (int _, TaskContext _) => SpinForever());
        Sleep = catalog.Add("test.sleep", async (int milliseconds, TaskContext c) =>
        {
            await Task.Delay(milliseconds, c.CancellationToken);
            return milliseconds;
        });
        Allocate = catalog.Add("test.allocate", (int megabytes, TaskContext _) =>
        {
            var block = new byte[megabytes << 20];
            for (int i = 0; i < block.Length; i += 4096)
            {
                block[i] = 1;
            }

            Held.Add(block);
            return Environment.WorkingSet;
        });
        CrashOn = catalog.Add("test.crash-on-13", (long x, TaskContext _) =>
        {
            if (x == 13)
            {
                Environment.FailFast("item 13 is poison");
            }

            return x * 2;
        });
        FailOn7 = catalog.Add("test.fail-on-7", (long x, TaskContext _) => x == 7 ? throw new InvalidOperationException("seven is refused") : x + 1);
        IntFailOn7 = catalog.Add("test.int-fail-on-7", (int x, TaskContext _) => x % 10 == 7 ? throw new InvalidOperationException($"{x} ends in seven") : x * 3);
        Repeat = catalog.Add("test.repeat", (int length, TaskContext _) => new string('x', length));
        Progress = catalog.Add("test.progress", (int steps, TaskContext c) =>
        {
            for (int i = 1; i <= steps; i++)
            {
                Thread.Sleep(15); // longer than the worker's 10 ms between forwarded reports
                c.Progress.Report(new TaskProgress((double)i / steps, $"step {i}"));
            }

            return steps;
        });
        Flood = catalog.Add("test.progress-flood", (int reports, TaskContext c) =>
        {
            for (int i = 1; i <= reports; i++)
            {
                c.Progress.Report(new TaskProgress((double)i / reports));
            }

            return reports;
        });
        Turn = catalog.Add("test.turn", (long _, TaskContext _) => Interlocked.Increment(ref ran));
        Text = catalog.Add("test.text", (string s, TaskContext _) => s.ToUpperInvariant());
        JobOf = catalog.Add("test.job-of", (int _, TaskContext c) => $"{c.JobId} {c.Attempt} {c.AttemptedAt?.UtcTicks}");
        CrashOnce = catalog.Add("test.crash-once", (string marker, TaskContext c) =>
        {
            if (!File.Exists(marker))
            {
                File.WriteAllText(marker, "crashed");
                Environment.FailFast("first attempt crashes");
            }

            return c.Attempt;
        });
        Print = catalog.Add("test.print", (string text, TaskContext _) =>
        {
            Console.WriteLine(text);
            return text.Length;
        });
        Init = catalog.Add("test.init", (string value, TaskContext _) =>
        {
            if (value == "fail")
            {
                throw new InvalidOperationException("initializer refused");
            }

            initialized = value;
            return 0;
        });
        Initialized = catalog.Add("test.initialized", (int _, TaskContext _) => initialized ?? "(none)");
    }

    public TaskCatalog Catalog { get; }

    public TaskKind<long, long> Echo { get; }

    public TaskKind<long, long> Square { get; }

    public TaskKind<int, int> Pid { get; }

    public TaskKind<int, int> Attempt { get; }

    public TaskKind<string, int> Throw { get; }

    public TaskKind<string, int> FailFast { get; }

    public TaskKind<int, int> Overflow { get; }

    public TaskKind<int, int> Exit { get; }

    public TaskKind<int, int> KillSelf { get; }

    public TaskKind<int, int> Spin { get; }

    public TaskKind<int, int> Sleep { get; }

    public TaskKind<int, long> Allocate { get; }

    public TaskKind<long, long> CrashOn { get; }

    public TaskKind<long, long> FailOn7 { get; }

    public TaskKind<string, string> Text { get; }

    /// <summary>"job-id attempt" as the handler's context gives them.</summary>
    public TaskKind<int, string> JobOf { get; }

    public TaskKind<int, int> IntFailOn7 { get; }

    /// <summary>Reports progress in the given number of steps, 15 ms apart.</summary>
    public TaskKind<int, int> Progress { get; }

    /// <summary>Reports progress as fast as it can, the given number of times.</summary>
    public TaskKind<int, int> Flood { get; }

    /// <summary>Returns a string of the given length: small arguments, large results.</summary>
    public TaskKind<int, string> Repeat { get; }

    /// <summary>Returns how many calls of this kind the worker process has run, this one included: the order it ran them in.</summary>
    public TaskKind<long, long> Turn { get; }

    public TaskKind<string, int> CrashOnce { get; }

    public TaskKind<string, int> Print { get; }

    public TaskKind<string, int> Init { get; }

    public TaskKind<int, string> Initialized { get; }

    public static TestTasks Create() => new(new TaskCatalog());

    private static int Refuse(string message) => throw new InvalidOperationException(message);

    private static int SpinForever()
    {
        while (true)
        {
            Thread.SpinWait(1000);
        }
    }

    private static int Recurse(int depth) => depth == int.MinValue ? 0 : Recurse(depth + 1) + 1;
}
