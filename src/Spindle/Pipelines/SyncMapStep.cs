namespace Spindle.Pipelines;

/// <summary>A map with a synchronous delegate: a tight loop straight into the output segment.</summary>
internal sealed class SyncMapStep<TIn, TOut>(Func<TIn, TOut> map) : SyncStep<TIn, TOut>
{
    internal override string Kind => "map";

    private protected override int Run(TIn[] items, int from, int to, Emitter<TOut> output, CancellationToken cancellationToken, out Exception? error)
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
