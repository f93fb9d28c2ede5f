namespace Spindle.Pools;

/// <summary>
/// The results of a map, streamed as they are ready. Nothing runs until it is enumerated; each
/// enumeration runs the map afresh.
/// </summary>
/// <typeparam name="TResult">The type of each item's result.</typeparam>
public sealed class MapStream<TResult> : IAsyncEnumerable<TResult>
{
    private readonly MapPlan<TResult> _plan;

    internal MapStream(MapPlan<TResult> plan) => _plan = plan;

    /// <summary>Each item's outcome (value or exception, with its source index) instead of the values:
    /// a failure does not end the stream. Use with <see cref="MapFailureMode.Collect"/> to run every item.</summary>
    public IAsyncEnumerable<ItemOutcome<TResult>> Outcomes => new OutcomeStream(_plan);

    /// <summary>Enumerates the results; a failed item throws its exception at its position.</summary>
    public IAsyncEnumerator<TResult> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _plan.GetValueEnumerator(cancellationToken);

    /// <summary>
    /// Runs the map and collects the results into an array. Over an array or list source this takes a
    /// fast path: workers write straight into the result, in guided chunks.
    /// </summary>
    /// <exception cref="AggregateException">Some items failed and <see cref="MapOptions.Failures"/> is Collect.</exception>
    public ValueTask<TResult[]> ToArrayAsync(CancellationToken cancellationToken = default) => _plan.ToArrayAsync(cancellationToken);

    private sealed class OutcomeStream(MapPlan<TResult> plan) : IAsyncEnumerable<ItemOutcome<TResult>>
    {
        public IAsyncEnumerator<ItemOutcome<TResult>> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
            plan.OutcomesAsync(blameStopper: false, cancellationToken).GetAsyncEnumerator(CancellationToken.None);
    }
}
