using System.Text.Json;
using Spectre.Console;
using Spindle.Cli.Workloads;

namespace Spindle.Cli.Bench;

/// <summary>
/// The pipeline benchmark, Spindle and TPL Dataflow side by side in one process: three trivial stages over
/// many items; one I/O-like stage (<c>await Task.Delay</c>) at rising worker counts; and the peak memory of
/// the trivial pipeline at a tenth of the items and at all of them, to show it stays flat.
/// </summary>
internal sealed class PipelineBenchmark(IAnsiConsole console, TextWriter json)
{
    internal static readonly int[] IoWorkerCounts = [1, 2, 4, 8, 16];

    internal sealed record Settings(int Items, int Workers, int Buffer, int IoItems, int Runs, int Warmups, bool Json, string Workloads);

    internal sealed record Row(string Workload, string Variant, int Workers, Sample Sample, double? VsDataflow, MemoryProbe.Peaks? Memory = null);

    internal async Task<IReadOnlyList<Row>> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        if (!settings.Json)
        {
            console.MarkupLine($"[grey]{Environment.ProcessorCount} cores, .NET {Environment.Version} ({ToolBuild.Kind} build); {settings.Warmups} warm-up and {settings.Runs} measured runs per variant; ratio = variant items/s / Dataflow items/s[/]");
        }

        if (settings.Workloads is "all" or "trivial")
        {
            rows.AddRange(await TrivialAsync(settings, cancellationToken));
        }

        if (settings.Workloads is "all" or "io")
        {
            rows.AddRange(await IoAsync(settings, cancellationToken));
        }

        if (settings.Workloads is "all" or "memory")
        {
            rows.AddRange(await MemoryAsync(settings, cancellationToken));
        }

        return rows;
    }

    private async Task<List<Row>> TrivialAsync(Settings settings, CancellationToken cancellationToken)
    {
        long expected = PipelineVariant.ExpectedSum(settings.Items);
        var samples = new List<Sample>();
        foreach (PipelineVariant variant in PipelineVariant.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Check(variant.Name, expected, () => variant.Trivial(settings.Items, settings.Workers, settings.Buffer));
            IReadOnlyList<double> times = await Stopwatches.TimeAsync(async () => await variant.Trivial(settings.Items, settings.Workers, settings.Buffer), settings.Warmups, settings.Runs);
            samples.Add(new Sample("trivial", variant.Name, settings.Items, times));
        }

        List<Row> rows = Compare("trivial", settings.Workers, samples);
        Print(settings, rows, $"[bold]trivial[/]: 3 stages (int→long, ×2, −1), {settings.Workers} worker(s) and a {settings.Buffer:N0}-item buffer each, {settings.Items:N0} items");
        return rows;
    }

    private async Task<List<Row>> IoAsync(Settings settings, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        long expected = (long)settings.IoItems * (settings.IoItems - 1) / 2;
        var rows = new List<Row>();
        foreach (int workers in IoWorkerCounts)
        {
            var samples = new List<Sample>();
            foreach (PipelineVariant variant in PipelineVariant.All)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Check(variant.Name, expected, () => variant.Io(settings.IoItems, workers, delay));
                IReadOnlyList<double> times = await Stopwatches.TimeAsync(async () => await variant.Io(settings.IoItems, workers, delay), settings.Warmups, settings.Runs);
                samples.Add(new Sample("io", variant.Name, settings.IoItems, times));
            }

            rows.AddRange(Compare("io", workers, samples));
        }

        Print(settings, rows, $"[bold]io[/]: 1 stage awaiting Task.Delay(1 ms) per item, 64-item buffer, {settings.IoItems:N0} items, by worker count");
        return rows;
    }

    private async Task<List<Row>> MemoryAsync(Settings settings, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        foreach (int items in new[] { Math.Max(1, settings.Items / 10), settings.Items })
        {
            foreach (PipelineVariant variant in PipelineVariant.All)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long expected = PipelineVariant.ExpectedSum(items);
                double ms = 0;
                MemoryProbe.Peaks peaks = await MemoryProbe.MeasureAsync(async () =>
                {
                    long started = System.Diagnostics.Stopwatch.GetTimestamp();
                    await Check(variant.Name, expected, () => variant.Trivial(items, settings.Workers, settings.Buffer));
                    ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                });
                rows.Add(new Row("memory", variant.Name, settings.Workers, new Sample("memory", variant.Name, items, [ms]), null, peaks));
            }
        }

        if (settings.Json)
        {
            foreach (Row row in rows)
            {
                Write(row);
            }
        }
        else
        {
            var table = new Table()
                .Title($"[bold]memory[/]: the trivial pipeline at {Math.Max(1, settings.Items / 10):N0} and {settings.Items:N0} items, peaks sampled every 5 ms")
                .AddColumn("variant").AddColumn(new TableColumn("items").RightAligned())
                .AddColumn(new TableColumn("peak heap Δ MB").RightAligned())
                .AddColumn(new TableColumn("peak working set Δ MB").RightAligned())
                .AddColumn(new TableColumn("allocated B/item").RightAligned());
            foreach (Row row in rows)
            {
                table.AddRow(row.Variant, $"{row.Sample.N:N0}", $"{row.Memory!.HeapDeltaBytes / 1e6:F1}", $"{row.Memory.WorkingSetDeltaBytes / 1e6:F1}", $"{(double)row.Memory.AllocatedBytes / row.Sample.N:F1}");
            }

            console.Write(table);
        }

        return rows;
    }

    private static async Task Check(string variant, long expected, Func<ValueTask<long>> run)
    {
        long sum = await run();
        if (sum != expected)
        {
            throw new InvalidOperationException($"{variant} computed {sum}, not {expected}.");
        }
    }

    private static List<Row> Compare(string workload, int workers, List<Sample> samples)
    {
        double dataflow = samples.Single(s => s.Variant == "dataflow").PerSecond;
        return [.. samples.Select(s => new Row(workload, s.Variant, workers, s, s.PerSecond / dataflow))];
    }

    private void Print(Settings settings, List<Row> rows, string title)
    {
        if (settings.Json)
        {
            foreach (Row row in rows)
            {
                Write(row);
            }

            return;
        }

        var table = new Table().Title(title)
            .AddColumn("variant").AddColumn(new TableColumn("workers").RightAligned())
            .AddColumn(new TableColumn("median ms").RightAligned()).AddColumn(new TableColumn("min ms").RightAligned())
            .AddColumn(new TableColumn("max ms").RightAligned()).AddColumn(new TableColumn("items/s").RightAligned())
            .AddColumn(new TableColumn("vs dataflow").RightAligned());
        foreach (Row row in rows)
        {
            string color = row.VsDataflow >= 1.0 ? "green" : "yellow";
            table.AddRow(row.Variant, $"{row.Workers}", $"{row.Sample.MedianMs:F1}", $"{row.Sample.MinMs:F1}", $"{row.Sample.MaxMs:F1}", $"{row.Sample.PerSecond:N0}", $"[{color}]{row.VsDataflow:F2}×[/]");
        }

        console.Write(table);
    }

    private void Write(Row row)
    {
        BenchRecord record = BenchRecord.From("pipeline", row.Sample, null) with
        {
            Items = row.Sample.N,
            Workers = row.Workers,
            SpeedupVsDataflow = row.VsDataflow is { } ratio ? Math.Round(ratio, 3) : null,
            PeakHeapDeltaBytes = row.Memory?.HeapDeltaBytes,
            PeakWorkingSetDeltaBytes = row.Memory?.WorkingSetDeltaBytes,
            AllocatedBytesPerItem = row.Memory is { } m ? Math.Round((double)m.AllocatedBytes / row.Sample.N, 2) : null,
        };
        json.WriteLine(JsonSerializer.Serialize(record, BenchJsonContext.Default.BenchRecord));
    }
}
