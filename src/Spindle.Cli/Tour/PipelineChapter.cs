using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spindle.Pipelines;

namespace Spindle.Cli.Tour;

/// <summary>
/// The tutorial's PipelineDecomposingTask: a task cut into stages (read → parse → transform → write), each with
/// its own workers and bounded buffer, one of them deliberately slow; the per-stage snapshot shows which.
/// </summary>
internal sealed class PipelineChapter : TourChapter
{
    private const int Records = 400;
    private static readonly TimeSpan SlowCall = TimeSpan.FromMilliseconds(4);

    internal override string Name => "pipeline";

    internal override string Title => "pipeline: a task decomposed into stages of workers";

    internal override string Summary => "PipelineDecomposingTask: read → parse → transform → write, each stage with its own workers and bounded buffer; the snapshot shows the bottleneck.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine("pypeln's [blue]pl.thread.map(f, stage, workers=4, maxsize=64)[/] is [blue].Map(\"name\", f, new StageOptions { Workers = 4, Buffer = 64 })[/] here;");
        console.MarkupLine("every buffer is bounded, so a slow stage slows the ones before it instead of filling memory.");
        console.MarkupLine($"{Records} records flow through four stages; [italic]transform[/] calls a slow service ({SlowCall.TotalMilliseconds:F0} ms per record).");
        console.WriteLine();

        (TimeSpan first, PipelineSnapshot midway, PipelineSnapshot end) = await RunOnceAsync(transformWorkers: 4, cancellationToken);
        console.MarkupLine("[bold]midway[/] (half the records written): the buffer in front of the slow stage is full, its workers all busy");
        console.Write(Render(midway));
        console.MarkupLine("[bold]at the end[/]:");
        console.Write(Render(end));
        console.MarkupLine($"◀ bottleneck: [red]{end.Bottleneck?.Name}[/] ({Percent(end.Bottleneck?.Utilization)} busy); {Records} records in {first.TotalMilliseconds:F0} ms.");
        console.WriteLine();

        console.MarkupLine("Give the bottleneck more workers ([blue]Workers = 16[/]) and run again:");
        (TimeSpan second, _, PipelineSnapshot again) = await RunOnceAsync(transformWorkers: 16, cancellationToken);
        console.Write(Render(again));
        console.MarkupLine($"transform with 16 workers: {Records} records in {second.TotalMilliseconds:F0} ms, [green]{first / second:F1}×[/] the throughput of 4 workers.");
    }

    private static async Task<(TimeSpan Elapsed, PipelineSnapshot Midway, PipelineSnapshot End)> RunOnceAsync(int transformWorkers, CancellationToken cancellationToken)
    {
        var written = new List<string>();
        Pipeline<string> pipeline = Pipeline.From(ReadLines(), new PipelineOptions { Name = "decompose", OutputBuffer = 16 })
            .Map("parse", line => line.Split(','), new StageOptions { Workers = 2, Buffer = 32 })
            .Map("transform", async (fields, ct) =>
            {
                await Task.Delay(SlowCall, ct);
                return $"{fields[0]}:{int.Parse(fields[1], CultureInfo.InvariantCulture) * 2}";
            }, new StageOptions { Workers = transformWorkers, Buffer = 32 })
            .Map("write", record => record.ToUpperInvariant(), new StageOptions { Buffer = 16 });

        PipelineSnapshot? midway = null;
        long started = Stopwatch.GetTimestamp();
        await pipeline.RunAsync(record =>
        {
            written.Add(record);
            if (written.Count == Records / 2)
            {
                midway = pipeline.Snapshot();
            }
        }, cancellationToken);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        if (written.Count != Records || written[^1] != $"RECORD-{Records - 1}:{2 * (Records - 1)}".ToUpperInvariant())
        {
            throw new InvalidOperationException($"The pipeline wrote {written.Count} records, the last '{written.LastOrDefault()}'.");
        }

        return (elapsed, midway!, pipeline.Snapshot());
    }

    private static IEnumerable<string> ReadLines()
    {
        for (int i = 0; i < Records; i++)
        {
            yield return $"record-{i},{i}";
        }
    }

    private static Table Render(PipelineSnapshot snapshot)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("stage");
        foreach (string column in new[] { "workers", "busy", "in", "out", "buffer", "peak", "ms/item", "util" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        table.AddColumn("");

        foreach (StageSnapshot s in snapshot.Stages)
        {
            bool bottleneck = ReferenceEquals(s, snapshot.Bottleneck);
            table.AddRow(
                bottleneck ? $"[red]{s.Name}[/]" : s.Name, $"{s.Workers}", $"{s.BusyWorkers}", $"{s.ItemsIn:N0}", $"{s.ItemsOut:N0}",
                s.BufferCapacity == 0 ? "-" : $"{s.Buffered}/{s.BufferCapacity}",
                s.BufferCapacity == 0 ? "-" : $"{s.PeakBuffered}",
                s.Utilization is null ? "-" : $"{s.TimePerItem.TotalMilliseconds:F3}",
                Percent(s.Utilization),
                bottleneck ? "[red]◀[/]" : "");
        }

        return table;
    }

    private static string Percent(double? utilization) => utilization is { } u ? u.ToString("P0", CultureInfo.InvariantCulture) : "-";
}
