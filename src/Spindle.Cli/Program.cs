using Spectre.Console;
using Spindle.Cli;
using Spindle.Cli.Workloads;
using Spindle.Processes;

// The tool is its own worker program: a process pool relaunches it, and this line makes the relaunched
// process serve calls instead of parsing a command line. Anywhere else the catalog is not built here: the
// commands that run tasks build their own, and every other command starts sooner.
if (ProcessWorker.IsWorkerProcess)
{
    ProcessWorker.RunIfRequested(CliTasks.Create().Catalog);
}

return await SpindleCommand.RunAsync(args, AnsiConsole.Console, Console.Out);
