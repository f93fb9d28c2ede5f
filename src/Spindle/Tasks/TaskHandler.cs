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

    /// <summary>Whether the handler's argument and result types are both <see cref="int"/> or <see cref="long"/>
    /// under the default JSON converter: a process pool's map then sends its items as raw numbers instead of
    /// JSON text. The values are the same; a million of them cost a copy instead of a million parses.</summary>
    internal virtual bool IsIntegerFunction => false;

    /// <summary>
    /// Runs the handler over raw integers, one call per item in one tight loop (a map chunk): item i's
    /// result goes to <c>results[i]</c>, or its exception to <paramref name="failures"/>. Only for an
    /// <see cref="IsIntegerFunction"/> handler.
    /// </summary>
    internal virtual void InvokeIntegers(ReadOnlySpan<long> arguments, Span<long> results, TaskContext context, ref List<(int Index, Exception Error)>? failures) =>
        throw new InvalidOperationException($"Task '{Kind}' does not take and return integers.");
}
