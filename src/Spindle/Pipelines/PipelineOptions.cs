namespace Spindle.Pipelines;

/// <summary>Options of a whole pipeline; validated once by <see cref="Pipeline.From{T}(IEnumerable{T}, PipelineOptions?)"/>.</summary>
public sealed record PipelineOptions
{
    /// <summary>A name for snapshots and metric tags.</summary>
    /// <value>Default <c>"pipeline"</c>.</value>
    public string Name { get; init; } = "pipeline";

    /// <summary>The clock for batch deadlines and time per item.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where stages with <see cref="StageErrorMode.RouteToErrorSink"/> send the items they failed on. It may be
    /// called from several workers at once; if it throws, the pipeline fails with that exception.
    /// </summary>
    /// <value>Default <see langword="null"/>: no stage may route errors.</value>
    public Func<StageError, CancellationToken, ValueTask>? ErrorSink { get; init; }

    /// <summary>The most items waiting between the last stage and the consumer of the pipeline's output.</summary>
    /// <value>Default 1024; 1 to 16,777,216.</value>
    public int OutputBuffer { get; init; } = 1024;

    /// <summary>Test hook: called with the stage's name each time a batch stage arms its deadline timer.</summary>
    internal Action<string>? BatchTimerArmed { get; init; }

    /// <summary>Test hook: called with the reader's name (a stage, or <c>sink</c>) each time a writer finds its buffer full and waits.</summary>
    internal Action<string>? WriterWaiting { get; init; }

    internal static PipelineOptions Default { get; } = new();

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name, nameof(Name));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (OutputBuffer is < 1 or > 16_777_216)
        {
            throw new ArgumentOutOfRangeException(nameof(OutputBuffer), OutputBuffer, "PipelineOptions.OutputBuffer must be between 1 and 16,777,216.");
        }
    }
}
