using System.Globalization;
using System.Text;

namespace Spindle.Pipelines;

/// <summary>
/// The state of a pipeline's latest run, stage by stage; <see cref="ToString"/> renders it as a table with
/// the bottleneck marked. The bottleneck is the stage whose workers were busy the largest share of the time.
/// </summary>
public sealed class PipelineSnapshot
{
    internal PipelineSnapshot(string name, TimeSpan elapsed, bool running, IReadOnlyList<StageSnapshot> stages)
    {
        Name = name;
        Elapsed = elapsed;
        IsRunning = running;
        Stages = stages;
        Bottleneck = stages.Where(s => s.Utilization is > 0).MaxBy(s => s.Utilization);
    }

    /// <summary>The pipeline's name, from its options.</summary>
    public string Name { get; }

    /// <summary>Time since the run started (until it ended, once it has).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Whether the run was still going at the moment of the snapshot.</summary>
    public bool IsRunning { get; }

    /// <summary>The source, each stage in order, then the sink.</summary>
    public IReadOnlyList<StageSnapshot> Stages { get; }

    /// <summary>The busiest stage by <see cref="StageSnapshot.Utilization"/>; <see langword="null"/> before any work.</summary>
    public StageSnapshot? Bottleneck { get; }

    /// <summary>The snapshot as a fixed-width text table, one row per stage, the bottleneck marked.</summary>
    public override string ToString()
    {
        string[] header = ["stage", "kind", "workers", "busy", "in", "out", "failed", "buffer", "peak", "µs/item", "util"];
        var rows = new List<string[]> { header };
        foreach (StageSnapshot s in Stages)
        {
            rows.Add([
                s.Name,
                s.Kind,
                Number(s.Workers),
                Number(s.BusyWorkers),
                Number(s.ItemsIn),
                Number(s.ItemsOut),
                Number(s.Failed),
                s.BufferCapacity == 0 ? "-" : $"{Number(s.Buffered)}/{Number(s.BufferCapacity)}",
                s.BufferCapacity == 0 ? "-" : Number(s.PeakBuffered),
                s.Utilization is null ? "-" : s.TimePerItem.TotalMicroseconds.ToString("F2", CultureInfo.InvariantCulture),
                s.Utilization is { } u ? u.ToString("P0", CultureInfo.InvariantCulture) : "-",
            ]);
        }

        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length))];
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"pipeline '{Name}', {(IsRunning ? "running" : "finished")}, {Elapsed.TotalMilliseconds:F0} ms").AppendLine();
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < header.Length; c++)
            {
                string cell = rows[r][c];
                text.Append(c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])).Append("  ");
            }

            if (r > 0 && ReferenceEquals(Stages[r - 1], Bottleneck))
            {
                text.Append("<- bottleneck");
            }

            text.Length = text.ToString().TrimEnd().Length;
            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Reads a run's counters; any thread, any time.</summary>
    internal static PipelineSnapshot Of(PipelineRun run)
    {
        TimeProvider time = run.Time;
        long finished = run.Finished;
        bool running = finished == 0;
        TimeSpan elapsed = time.GetElapsedTime(run.Started, running ? time.GetTimestamp() : finished);
        var stages = new List<StageSnapshot>(run.Rows.Count);
        foreach (StageCounters c in run.Rows)
        {
            var busy = TimeSpan.FromSeconds((double)Interlocked.Read(ref c.BusyTicks) / time.TimestampFrequency);
            double? utilization = c.MeasuresBusy
                ? (elapsed > TimeSpan.Zero ? Math.Min(1.0, busy / (elapsed * c.Workers)) : 0)
                : null;
            stages.Add(new StageSnapshot(
                c.Name, c.Kind, c.Workers, Volatile.Read(ref c.BusyWorkers),
                Interlocked.Read(ref c.ItemsIn), Interlocked.Read(ref c.ItemsOut), Interlocked.Read(ref c.Failed),
                c.Depth?.Invoke() ?? 0, c.Capacity, c.Peak?.Invoke() ?? 0, busy, utilization));
        }

        return new PipelineSnapshot(run.Options.Name, elapsed, running, stages);
    }

    internal static PipelineSnapshot Empty(PipelineOptions options) => new(options.Name, TimeSpan.Zero, running: false, []);
}
