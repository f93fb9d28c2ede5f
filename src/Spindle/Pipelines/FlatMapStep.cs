using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// A flat-map: each item becomes any number of items, from a sequence or an async stream. When an item's
/// sequence throws part way, what it produced before stays in the output and the item is the failure.
/// </summary>
internal sealed class FlatMapStep<TIn, TOut>(Func<TIn, IEnumerable<TOut>>? many, Func<TIn, CancellationToken, IAsyncEnumerable<TOut>>? manyAsync) : StageStep<TIn, TOut>
{
    internal override string Kind => "flat-map";

    internal override bool IsAsync => manyAsync is not null;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask ProcessAsync(Segment<TIn> input, Emitter<TOut> output, StageFailures failures, CancellationToken cancellationToken)
    {
        for (int i = 0; i < input.Count; i++)
        {
            TIn item = input.Items[i];
            try
            {
                if (many is not null)
                {
                    foreach (TOut result in many(item))
                    {
                        if (output.Add(result))
                        {
                            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                else
                {
                    await foreach (TOut result in manyAsync!(item, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        if (output.Add(result))
                        {
                            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (Exception ex) when (!StageFailures.IsStop(ex, cancellationToken))
            {
                await failures.HandleAsync(item, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
