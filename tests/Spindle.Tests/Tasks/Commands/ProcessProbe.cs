using System.Diagnostics;

namespace Spindle.Tests.Tasks.Commands;

/// <summary>Test helpers that look at processes the test did not start itself (grandchildren of a command).</summary>
internal static class ProcessProbe
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Asserts that process <paramref name="pid"/> goes away: leaves /proc, or becomes a zombie (dead, waiting
    /// to be reaped by whoever adopted it). A process that is not our child offers no exit event to wait on,
    /// so this looks at /proc every few milliseconds for up to ten seconds. A survivor is killed, then reported.
    /// </summary>
    internal static async Task AssertGoneAsync(int pid, string what)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (IsRunning(pid))
        {
            if (patience.IsCancellationRequested)
            {
                using Process survivor = Process.GetProcessById(pid);
                survivor.Kill();
                Assert.Fail($"{what} (pid {pid}) was still running.");
            }

            await Task.Delay(10);
        }
    }

    internal static bool IsRunning(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }

        // "pid (comm) S ...": the state follows the last ')', since comm may itself hold parentheses.
        char state = stat[(stat.LastIndexOf(')') + 2)..][0];
        return state is not ('Z' or 'X');
    }

    /// <summary>Creates a named pipe: opening it for reading waits until a writer opens it, a start signal.</summary>
    internal static string MakeFifo(string directory)
    {
        string path = Path.Combine(directory, "signal.fifo");
        using var mkfifo = Process.Start("mkfifo", [path]);
        if (!mkfifo.WaitForExit(Patience) || mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} failed.");
        }

        return path;
    }
}
