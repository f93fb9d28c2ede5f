using System.Runtime.CompilerServices;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Pipelines;

/// <summary>
/// The step of a stage on a process pool: the async map, with a delegate that submits the item as a call of a
/// named task and awaits the call. Order, error modes, cancellation and back-pressure are the async map's.
/// </summary>
internal static class ProcessCallStep
{
    internal static AsyncMapStep<TIn, TOut> Create<TIn, TOut>(ProcessPool pool, TaskKind<TIn, TOut> kind) =>
        new(new Call<TIn, TOut>(pool, kind).RunAsync, "process", IsPoolShutDown);

    // A pool that was shut down refuses every item alike: routing each to the error sink would turn a run
    // that cannot work into one that seems to finish, so it fails the run instead.
    private static bool IsPoolShutDown(Exception exception) => exception is ObjectDisposedException;

    private sealed class Call<TIn, TOut>(ProcessPool pool, TaskKind<TIn, TOut> kind)
    {
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        internal async ValueTask<TOut> RunAsync(TIn item, CancellationToken cancellationToken)
        {
            // The first await ends once the call is queued, waiting while the pool's queue is full (back-pressure
            // from the pool); the token removes a queued call or signals a running one in its worker process.
            Task<TOut> call = await pool.SubmitAsync(kind, item, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await call.ConfigureAwait(false);
        }
    }
}
