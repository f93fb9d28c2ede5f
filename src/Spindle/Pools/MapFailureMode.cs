namespace Spindle.Pools;

/// <summary>What a map does when one item fails.</summary>
public enum MapFailureMode
{
    /// <summary>Cancel every item not yet finished; the stream throws the failure at its position.</summary>
    FailFast,

    /// <summary>Run every item; each item's outcome is kept (see <see cref="MapStream{TResult}.Outcomes"/>).</summary>
    Collect,
}
