using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Spindle.Processes;

/// <summary>
/// The worker's ends of the pipes to its pool. The pool talks over the worker's standard input and output,
/// so on Unix the worker first moves them to private descriptors (closed on exec, so programs it starts do
/// not inherit them), points descriptor 1 at standard error and descriptor 0 at <c>/dev/null</c>. After that
/// a handler's <c>Console.WriteLine</c>, or a child process writing to its inherited output, lands on
/// standard error and can never corrupt the frames.
/// </summary>
internal static partial class WorkerStreams
{
    private const int PipeBytes = 1 << 20;

    internal static (Stream Input, Stream Output) Take()
    {
        if (OperatingSystem.IsWindows())
        {
            Stream input = Console.OpenStandardInput();
            Stream output = Console.OpenStandardOutput();
            Console.SetOut(Console.Error);
            return (input, output);
        }

        int dupCloexec = OperatingSystem.IsLinux() ? 1030 : 67; // F_DUPFD_CLOEXEC
        int inputFd = Check(Fcntl(0, dupCloexec, 3), "duplicate standard input");
        int outputFd = Check(Fcntl(1, dupCloexec, 3), "duplicate standard output");
        Check(Dup2(2, 1), "point standard output at standard error");
        int devNull = Check(Open("/dev/null", 0), "open /dev/null");
        Check(Dup2(devNull, 0), "point standard input at /dev/null");
        Check(Close(devNull), "close /dev/null");
        if (OperatingSystem.IsLinux())
        {
            // Room for a whole chunk's answer: a worker that must wait for the pool to read before it can
            // start its next call idles whenever the pool's process waits for a core. Best effort: the
            // limit is /proc/sys/fs/pipe-max-size, 1 MiB by default.
            _ = Fcntl(outputFd, 1031, PipeBytes); // F_SETPIPE_SZ
            _ = Fcntl(inputFd, 1031, PipeBytes);
        }
        return (
            new FileStream(new SafeFileHandle(inputFd, ownsHandle: true), FileAccess.Read, bufferSize: 0),
            new FileStream(new SafeFileHandle(outputFd, ownsHandle: true), FileAccess.Write, bufferSize: 0));
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new IOException($"A Spindle worker could not {what}: errno {Marshal.GetLastPInvokeError()}.");

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
