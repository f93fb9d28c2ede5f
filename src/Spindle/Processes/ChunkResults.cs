using Spindle.Pools;

namespace Spindle.Processes;

/// <summary>The results of one chunk of a process map: values, and failures where there were any.</summary>
internal readonly struct ChunkResults<TResult>(long start, TResult[] values, Exception?[]? errors)
{
    internal long Start => start;

    internal int Count => values.Length;

    internal TResult[] Values => values;

    /// <summary>Each item's failure, or <see langword="null"/> when every item returned a value.</summary>
    internal Exception?[]? Errors => errors;

    internal ItemOutcome<TResult> this[int index] =>
        errors?[index] is { } error ? new ItemOutcome<TResult>(start + index, default, error) : new ItemOutcome<TResult>(start + index, values[index], null);
}
