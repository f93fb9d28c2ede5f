namespace Spindle.Pipelines;

/// <summary>What a stage does to its items: map, filter, flat-map or tap, with a sync or an async delegate.</summary>
internal abstract class StageStep<TIn, TOut>
{
    /// <summary>How many items a synchronous step runs between looks at the token (a power of two).</summary>
    private protected const int CheckEvery = 64;

    /// <summary>The word a snapshot shows for the stage.</summary>
    internal abstract string Kind { get; }

    /// <summary>Whether the delegate is async (it may wait on I/O, so workers take items one at a time).</summary>
    internal abstract bool IsAsync { get; }

    /// <summary>
    /// Runs the delegate over every item of <paramref name="input"/>, adding results to <paramref name="output"/>
    /// and flushing it whenever it is full. A failed item goes to <paramref name="failures"/>.
    /// </summary>
    internal abstract ValueTask ProcessAsync(Segment<TIn> input, Emitter<TOut> output, StageFailures failures, CancellationToken cancellationToken);
}
