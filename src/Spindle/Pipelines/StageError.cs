namespace Spindle.Pipelines;

/// <summary>An item a stage failed on, as handed to <see cref="PipelineOptions.ErrorSink"/>.</summary>
public readonly struct StageError
{
    internal StageError(string stageName, object? item, Exception exception)
    {
        StageName = stageName;
        Item = item;
        Exception = exception;
    }

    /// <summary>The name of the stage whose delegate threw.</summary>
    public string StageName { get; }

    /// <summary>The item the delegate was called with.</summary>
    public object? Item { get; }

    /// <summary>What the delegate threw.</summary>
    public Exception Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{StageName}: {PipelineStageException.Describe(Item)}: {Exception.GetType().Name}: {Exception.Message}";
}
