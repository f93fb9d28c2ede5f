namespace Spindle.Pipelines;

/// <summary>
/// Groups items into arrays of <see cref="_size"/>; with a deadline, a batch also leaves when
/// <see cref="_maxDelay"/> has passed since its first item arrived (on the pipeline's <see cref="TimeProvider"/>).
/// One worker, so batches keep the order of their items.
/// </summary>
internal sealed class BatchStage<T>(string name, StageOptions options, int size, TimeSpan? maxDelay) : StageDefinition(name, options)
{
    private readonly int _size = size;
    private readonly TimeSpan? _maxDelay = maxDelay;

    internal override BufferShape InputShape => BufferShape.For(Options.Buffer, 1, itemAtATime: false);

    internal override object Start(PipelineRun run, object input, string outputReader, BufferShape outputShape)
    {
        var source = (StageBuffer<T>)input;
        var counters = new StageCounters(Name, _maxDelay is null ? "batch" : "batch/time", 1)
        {
            Depth = () => source.Depth,
            Peak = () => source.Peak,
            Capacity = source.Capacity,
        };
        run.Rows.Add(counters);
        var output = new StageBuffer<T[]>(run, outputReader, outputShape, singleWriter: true);
        var worker = new BatchWorker<T>(run, source, output, counters, _size, _maxDelay);
        run.Spawn(worker.WorkAsync);
        return output;
    }
}
