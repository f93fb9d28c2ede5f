using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Spindle.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Spindle.Benchmarks.SubmitBenchmarks).Assembly).Run(args);
