using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>A filter (or a tap) with an async delegate.</summary>
internal sealed class AsyncFilterStep<T>(Func<T, CancellationToken, ValueTask<bool>> predicate, string kind) : StageStep<T, T>
{
    internal override string Kind => kind;

    internal override bool IsAsync => true;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask ProcessAsync(Segment<T> input, Emitter<T> output, StageFailures failures, CancellationToken cancellationToken)
    {
        for (int i = 0; i < input.Count; i++)
        {
            T item = input.Items[i];
            bool keep;
            try
            {
                keep = await PendingCall.AwaitHandingOnAsync(predicate(item, cancellationToken), output, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!StageFailures.IsStop(ex, cancellationToken))
            {
                await failures.HandleAsync(item, ex, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (keep && output.Add(item))
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
