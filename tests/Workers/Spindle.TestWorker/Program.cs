using System.Buffers.Binary;
using Spindle.Processes;
using Spindle.TestWorker;

// Modes that misbehave before the worker line, as broken or foreign programs would.
string mode = args.Length > 0 ? args[0] : "worker";
Stream stdout = Console.OpenStandardOutput();
switch (mode)
{
    case "garbage-hello":
        stdout.Write("this is not a Spindle worker\n"u8);
        stdout.Flush();
        Console.In.ReadLine();
        return 0;
    case "silent":
        Console.In.ReadLine();
        return 0;
    case "garbage-once" when !File.Exists(args[1]):
        File.WriteAllText(args[1], "garbage written");
        var hello = new byte[15];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, 10);
        hello[4] = 0x41;
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(5), 0x4C445053);
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(9), 3); // the protocol version (WireFormat.Version)
        BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(11), Environment.ProcessId);
        stdout.Write(hello);
        stdout.Flush();
        Console.In.ReadLine(); // waits for its first call, then answers it with garbage
        stdout.Write("GARBAGE GARBAGE GARBAGE GARBAGE\n"u8);
        stdout.Flush();
        Console.In.ReadLine();
        return 0;
}

TestTasks tasks = TestTasks.Create();
if (mode != "no-worker-line")
{
    ProcessWorker.RunIfRequested(tasks.Catalog);
}

switch (mode)
{
    case "orphan-parent":
        // A parent that the test kills with SIGKILL: its workers must notice and exit.
        await using (ProcessPool pool = await ProcessPool.StartAsync(tasks.Catalog, new ProcessPoolOptions { WorkerCount = 2, WorkerProgram = Environment.ProcessPath }))
        {
            Task<int> sleeping = await pool.SubmitAsync(tasks.Sleep, 600_000);
            Console.WriteLine("workers " + string.Join(' ', pool.Workers.Select(w => w.ProcessId)));
            Console.Out.Flush();
            await sleeping;
        }

        return 0;
    case "no-worker-line":
        // An application relaunched as a worker without the worker line: starting a pool must refuse.
        await using (ProcessPool pool = await ProcessPool.StartAsync(tasks.Catalog))
        {
            return 0;
        }

    default:
        Console.Error.WriteLine("Spindle.TestWorker: run by a process pool (SPINDLE_WORKER=1), or with a mode: orphan-parent, garbage-hello, silent, garbage-once <file>, no-worker-line.");
        return 2;
}
