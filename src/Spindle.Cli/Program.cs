using Spectre.Console;
using Spindle.Cli;

return await SpindleCommand.RunAsync(args, AnsiConsole.Console, Console.Out);
