using System.Threading.Channels;

namespace Spindle.Pipelines;

/// <summary>
/// Where a pipeline starts: items flow from a source through stages, each with its own workers and bounded
/// buffer, to an async stream or a sink. What Python's pypeln and MPipe do, with back-pressure throughout.
/// </summary>
/// <example>
/// <code>
/// var words = Pipeline.From(File.ReadLines(path))
///     .Map("parse", line =&gt; line.Split(' '), new StageOptions { Workers = 2 })
///     .FlatMap("words", parts =&gt; parts)
///     .Filter("long", word =&gt; word.Length &gt; 7);
/// await foreach (string word in words.ToAsyncEnumerable()) { ... }
/// Console.WriteLine(words.Snapshot());
/// </code>
/// </example>
public static class Pipeline
{
    /// <summary>Starts a pipeline from a sequence; it is read on a worker of its own, a segment at a time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it.</exception>
    public static Pipeline<T> From<T>(IEnumerable<T> source, PipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Create(PipelineSource<T>.From(source), options);
    }

    /// <summary>Starts a pipeline from an async stream; it is cancelled with the run.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it.</exception>
    public static Pipeline<T> From<T>(IAsyncEnumerable<T> source, PipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Create(PipelineSource<T>.From(source), options);
    }

    /// <summary>Starts a pipeline from a channel; the pipeline ends when the channel is completed and drained.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it.</exception>
    public static Pipeline<T> From<T>(ChannelReader<T> source, PipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Create(PipelineSource<T>.From(source), options);
    }

    private static Pipeline<T> Create<T>(PipelineSource<T> source, PipelineOptions? options)
    {
        options ??= PipelineOptions.Default;
        options.Validate();
        return new Pipeline<T>(options, (run, firstReader, shape) =>
        {
            var buffer = new StageBuffer<T>(run, firstReader, shape, singleWriter: true);
            source.Start(run, buffer);
            return buffer;
        }, []);
    }
}
