namespace Spindle.Pools;

/// <summary>The errors a map raises when it collects every item's outcome.</summary>
internal static class MapFailures
{
    internal static AggregateException Collected(IReadOnlyList<Exception> failures) =>
        new($"{failures.Count} item(s) of the map failed; MapOptions.Failures is Collect, so every item ran. See InnerExceptions, in source order, or enumerate MapStream.Outcomes for each item's outcome.", failures);
}
