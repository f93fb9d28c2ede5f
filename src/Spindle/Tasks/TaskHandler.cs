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
}
