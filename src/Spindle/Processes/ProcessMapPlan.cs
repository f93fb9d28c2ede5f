using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Spindle.Pools;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>A map of a named task over worker processes, as declared; each enumeration runs it afresh.</summary>
internal sealed class ProcessMapPlan<TArgs, TResult>(
    ProcessPool pool, TaskKind<TArgs, TResult> kind, MapSource<TArgs> source, MapOptions options, bool ordered, CancellationToken cancellationToken)
    : MapPlan<TResult>
{
    internal override IAsyncEnumerable<ItemOutcome<TResult>> OutcomesAsync(bool blameStopper, CancellationToken cancellationToken) =>
        new ProcessMapRun<TArgs, TResult>(pool, kind, source, options, ordered).RunAsync(blameStopper, Link(cancellationToken));

    internal override IAsyncEnumerator<TResult> GetValueEnumerator(CancellationToken cancellationToken) =>
        ValuesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    internal override async ValueTask<TResult[]> ToArrayAsync(CancellationToken cancellationToken)
    {
        var results = new List<TResult>(source.KnownCount ?? 0);
        List<Exception>? failures = null;
        await foreach (ItemOutcome<TResult> outcome in OutcomesAsync(blameStopper: true, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Exception is null)
            {
                results.Add(outcome.Value!);
            }
            else if (options.Failures == MapFailureMode.FailFast)
            {
                ExceptionDispatchInfo.Throw(outcome.Exception);
            }
            else
            {
                (failures ??= []).Add(outcome.Exception);
            }
        }

        return failures is null ? [.. results] : throw MapFailures.Collected(failures);
    }

    private async IAsyncEnumerable<TResult> ValuesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ItemOutcome<TResult> outcome in OutcomesAsync(blameStopper: true, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Exception is not null)
            {
                ExceptionDispatchInfo.Throw(outcome.Exception);
            }

            yield return outcome.Value!;
        }
    }

    private CancellationToken Link(CancellationToken other) =>
        !other.CanBeCanceled ? cancellationToken : !cancellationToken.CanBeCanceled ? other : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, other).Token;
}
