using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// A map with an async delegate. Before it waits on an item, what the worker has is handed on.
/// <paramref name="kind"/> is the word a snapshot shows; an exception <paramref name="failsRun"/> accepts fails
/// the run whatever the stage's error mode, because it is the stage's failure rather than the item's.
/// </summary>
internal sealed class AsyncMapStep<TIn, TOut>(Func<TIn, CancellationToken, ValueTask<TOut>> map, string kind = "map", Func<Exception, bool>? failsRun = null)
    : StageStep<TIn, TOut>
{
    internal override string Kind => kind;

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
                if (failsRun is not null && failsRun(ex))
                {
                    throw failures.FailRun(item, ex);
                }

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
