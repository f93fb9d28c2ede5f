using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>A map with a synchronous delegate: a tight loop straight into the output segment.</summary>
internal sealed class SyncMapStep<TIn, TOut>(Func<TIn, TOut> map) : StageStep<TIn, TOut>
{
    internal override string Kind => "map";

    internal override bool IsAsync => false;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask ProcessAsync(Segment<TIn> input, Emitter<TOut> output, StageFailures failures, CancellationToken cancellationToken)
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

    /// <summary>Maps items from <paramref name="from"/> until the input ends, the output is full, the run stops or an item throws (its index is returned).</summary>
    private int Run(TIn[] items, int from, int to, Emitter<TOut> output, CancellationToken cancellationToken, out Exception? error)
    {
        Func<TIn, TOut> body = map;
        TOut[] results = output.Items;
        int filled = output.Count;
        int i = from;
        error = null;
        try
        {
            while (i < to && filled < results.Length)
            {
                // A heavy delegate must not run a whole segment on after the run stopped; a look every
                // CheckEvery items costs nothing measurable in this loop.
                if ((i & (CheckEvery - 1)) == 0 && cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                results[filled] = body(items[i]);
                filled++;
                i++;
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        output.Count = filled;
        return i;
    }
}
