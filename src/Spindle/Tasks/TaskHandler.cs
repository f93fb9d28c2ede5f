using System.Buffers;

namespace Spindle.Tasks;

/// <summary>
/// A handler seen without its types: JSON arguments in, JSON result out. Worker processes and the queue
/// run every named task through this one shape.
/// </summary>
internal abstract class TaskHandler
{
    private protected TaskHandler(string kind)
    {
        Kind = kind;
    }

    /// <summary>The kind string the handler is registered under.</summary>
    internal string Kind { get; }

    /// <summary>
    /// Decodes <paramref name="arguments"/>, runs the handler and writes its result as JSON to
    /// <paramref name="result"/>. Malformed arguments throw <see cref="TaskArgumentException"/> before the
    /// handler runs.
    /// </summary>
    internal abstract ValueTask InvokeAsync(ReadOnlySpan<byte> arguments, TaskContext context, IBufferWriter<byte> result);

    /// <summary>
    /// The handler as a function from integer to integer, when its argument and result types are both
    /// <see cref="int"/> or <see cref="long"/> under the default JSON converter; otherwise <see langword="null"/>.
    /// A process pool's map sends such items as raw numbers instead of JSON text: the values are the same,
    /// and a million of them cost a copy instead of a million parses.
    /// </summary>
    internal virtual Func<long, TaskContext, long>? AsIntegerFunction => null;
}
