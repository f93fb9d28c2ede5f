using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// A step with a synchronous delegate: <see cref="Run"/> is a tight loop straight into the output segment,
/// and the handling around it (failures, flushing a full output) is shared here.
/// </summary>
internal abstract class SyncStep<TIn, TOut> : StageStep<TIn, TOut>
{
    internal override bool IsAsync => false;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal sealed override async ValueTask ProcessAsync(Segment<TIn> input, Emitter<TOut> output, StageFailures failures, CancellationToken cancellationToken)
    {
        int next = 0;
        while (next < input.Count)
        {
            next = Run(input.Items, next, input.Count, output, cancellationToken, out Exception? error);
            cancellationToken.ThrowIfCancellationRequested();
            if (error is not null)
            {
                await failures.HandleAsync(input.Items[next], error, cancellationToken).ConfigureAwait(false);
                next++;
            }

            if (output.IsFull)
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs items from <paramref name="from"/> until the input ends, the output is full, the run stops or an item throws (its index is returned).</summary>
    private protected abstract int Run(TIn[] items, int from, int to, Emitter<TOut> output, CancellationToken cancellationToken, out Exception? error);
}
