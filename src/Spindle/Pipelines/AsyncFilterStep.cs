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
                ValueTask<bool> pending = predicate(item, cancellationToken);
                if (!pending.IsCompleted)
                {
                    try
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        // The run stopped while this worker handed on its output: the call still in flight
                        // must end before the worker does, or it would outlive the run with its error unseen.
                        await PendingCall.SettleAsync(pending).ConfigureAwait(false);
                        throw;
                    }
                }

                keep = await pending.ConfigureAwait(false);
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
