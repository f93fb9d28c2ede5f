namespace Spindle.Pipelines;

/// <summary>
/// One stage as the builder recorded it. Each run calls <see cref="Start"/>, which builds the stage's output
/// buffer and starts its workers; definitions themselves hold no run state, so a pipeline can run again.
/// </summary>
internal abstract class StageDefinition(string name, StageOptions options)
{
    internal string Name { get; } = name;

    internal StageOptions Options { get; } = options;

    /// <summary>The buffer this stage wants in front of it.</summary>
    internal abstract BufferShape InputShape { get; }

    /// <summary>
    /// Starts the stage reading <paramref name="input"/> (a <see cref="StageBuffer{T}"/> of its input type) and
    /// returns its output buffer (a <see cref="StageBuffer{T}"/> of its output type), laid out as <paramref name="outputShape"/>
    /// and read by the stage named <paramref name="outputReader"/> (or the sink).
    /// </summary>
    internal abstract object Start(PipelineRun run, object input, string outputReader, BufferShape outputShape);
}
