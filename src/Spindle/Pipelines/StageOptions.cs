namespace Spindle.Pipelines;

/// <summary>Options of one pipeline stage; validated when the stage is added.</summary>
public sealed record StageOptions
{
    /// <summary>How many workers run the stage's delegate at the same time.</summary>
    /// <value>Default 1; 1 to 1024. A batch stage has exactly 1.</value>
    public int Workers { get; init; } = 1;

    /// <summary>The most items waiting in front of the stage; a full buffer makes the stage before it wait.</summary>
    /// <value>Default 1024; 1 to 16,777,216.</value>
    public int Buffer { get; init; } = 1024;

    /// <summary>Whether items leave the stage in the order they entered it, however its workers finish.</summary>
    /// <value>Default <see langword="true"/>. With one worker the order is always kept.</value>
    public bool Ordered { get; init; } = true;

    /// <summary>What happens to an item the stage's delegate throws on.</summary>
    /// <value>Default <see cref="StageErrorMode.FailPipeline"/>.</value>
    public StageErrorMode Errors { get; init; } = StageErrorMode.FailPipeline;

    internal static StageOptions Default { get; } = new();

    internal void Validate(PipelineOptions pipeline)
    {
        if (Workers is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "StageOptions.Workers must be between 1 and 1024.");
        }

        if (Buffer is < 1 or > 16_777_216)
        {
            throw new ArgumentOutOfRangeException(nameof(Buffer), Buffer, "StageOptions.Buffer must be between 1 and 16,777,216.");
        }

        if (!Enum.IsDefined(Errors))
        {
            throw new ArgumentOutOfRangeException(nameof(Errors), Errors, "StageOptions.Errors must be FailPipeline or RouteToErrorSink.");
        }

        if (Errors == StageErrorMode.RouteToErrorSink && pipeline.ErrorSink is null)
        {
            throw new ArgumentException("StageOptions.Errors is RouteToErrorSink but PipelineOptions.ErrorSink is not set.", nameof(Errors));
        }
    }
}
