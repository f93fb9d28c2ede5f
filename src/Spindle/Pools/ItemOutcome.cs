namespace Spindle.Pools;

/// <summary>The outcome of one item of a map: its value, or the exception it ended with.</summary>
/// <typeparam name="TResult">The type of the item's result.</typeparam>
public readonly struct ItemOutcome<TResult>
{
    internal ItemOutcome(long index, TResult? value, Exception? exception)
    {
        Index = index;
        Value = value;
        Exception = exception;
    }

    /// <summary>The item's position in the source, from 0.</summary>
    public long Index { get; }

    /// <summary>The result when <see cref="Succeeded"/>; otherwise the default value.</summary>
    public TResult? Value { get; }

    /// <summary>The exception the item failed with; an <see cref="OperationCanceledException"/> when it was cancelled.</summary>
    public Exception? Exception { get; }

    /// <summary>Whether the item returned a value.</summary>
    public bool Succeeded => Exception is null;

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? $"#{Index}: {Value}" : $"#{Index}: {Exception!.GetType().Name}: {Exception.Message}";
}
