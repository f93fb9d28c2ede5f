namespace Spindle.Pipelines;

/// <summary>A map, filter, flat-map or tap stage: a <see cref="StageStep{TIn, TOut}"/> run by the stage's workers.</summary>
internal sealed class StepStage<TIn, TOut>(string name, StageOptions options, StageStep<TIn, TOut> step) : StageDefinition(name, options)
{
    internal override BufferShape InputShape => BufferShape.For(Options.Buffer, Options.Workers, step.IsAsync);

    internal override object Start(PipelineRun run, object input, string outputReader, BufferShape outputShape)
    {
        var source = (StageBuffer<TIn>)input;
        var counters = new StageCounters(Name, step.Kind, Options.Workers)
        {
            Depth = () => source.Depth,
            Peak = () => source.Peak,
            Capacity = source.Capacity,
        };
        run.Rows.Add(counters);
        bool ordered = Options.Ordered && Options.Workers > 1;
        var output = new StageBuffer<TOut>(run, outputReader, outputShape, singleWriter: Options.Workers == 1 || ordered);
        var failures = new StageFailures(run, counters, Options.Errors);
        if (ordered)
        {
            new OrderedStageWorkers<TIn, TOut>(run, source, output, step, counters, failures).Start();
        }
        else
        {
            new StageWorkers<TIn, TOut>(run, source, output, step, counters, failures).Start();
        }

        return output;
    }
}
