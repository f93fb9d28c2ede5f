namespace Spindle.Pipelines;

/// <summary>What a stage does with an item its delegate threw on.</summary>
public enum StageErrorMode
{
    /// <summary>Cancel every stage and surface the failure as a <see cref="PipelineStageException"/>.</summary>
    FailPipeline,

    /// <summary>Hand the item and its exception to <see cref="PipelineOptions.ErrorSink"/> and carry on with the next item.</summary>
    RouteToErrorSink,
}
