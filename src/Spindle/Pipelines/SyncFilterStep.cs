using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>A filter (or a tap, whose predicate runs the action and keeps the item) with a synchronous delegate.</summary>
internal sealed class SyncFilterStep<T>(Func<T, bool> predicate, string kind) : StageStep<T, T>
{
    internal override string Kind => kind;

    internal override bool IsAsync => false;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask ProcessAsync(Segment<T> input, Emitter<T> output, StageFailures failures, CancellationToken cancellationToken)
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

    private int Run(T[] items, int from, int to, Emitter<T> output, CancellationToken cancellationToken, out Exception? error)
    {
        Func<T, bool> keep = predicate;
        T[] kept = output.Items;
        int filled = output.Count;
        int i = from;
        error = null;
        try
        {
            while (i < to && filled < kept.Length)
            {
                // A heavy delegate must not run a whole segment on after the run stopped; a look every
                // CheckEvery items costs nothing measurable in this loop.
                if ((i & (CheckEvery - 1)) == 0 && cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                T item = items[i];
                if (keep(item))
                {
                    kept[filled] = item;
                    filled++;
                }

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
