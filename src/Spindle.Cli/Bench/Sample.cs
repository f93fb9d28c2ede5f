namespace Spindle.Cli.Bench;

/// <summary>Repeated timings of one variant on one workload, summarised.</summary>
internal sealed record Sample(string Workload, string Variant, long N, IReadOnlyList<double> Milliseconds)
{
    internal double MedianMs
    {
        get
        {
            double[] sorted = [.. Milliseconds.Order()];
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    internal double MinMs => Milliseconds.Min();

    internal double MaxMs => Milliseconds.Max();

    internal double PerSecond => N / (MedianMs / 1000.0);
}
