using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>A map with an async delegate. Before it waits on an item, what the worker has is handed on.</summary>
internal sealed class AsyncMapStep<TIn, TOut>(Func<TIn, CancellationToken, ValueTask<TOut>> map) : StageStep<TIn, TOut>
{
    internal override string Kind => "map";

    internal override bool IsAsync => true;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask ProcessAsync(Segment<TIn> input, Emitter<TOut> output, StageFailures failures, CancellationToken cancellationToken)
    {
        for (int i = 0; i < input.Count; i++)
        {
            TIn item = input.Items[i];
            TOut result;
            try
            {
                result = await PendingCall.AwaitHandingOnAsync(map(item, cancellationToken), output, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!StageFailures.IsStop(ex, cancellationToken))
            {
                await failures.HandleAsync(item, ex, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (output.Add(result))
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
