namespace Spindle.Pipelines;

/// <summary>A filter (or a tap, whose predicate runs the action and keeps the item) with a synchronous delegate.</summary>
internal sealed class SyncFilterStep<T>(Func<T, bool> predicate, string kind) : SyncStep<T, T>
{
    internal override string Kind => kind;

    private protected override int Run(T[] items, int from, int to, Emitter<T> output, CancellationToken cancellationToken, out Exception? error)
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
