using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Tasks;

/// <summary>
/// A named task: a stable kind string bound to a handler with typed arguments and result. Returned by
/// <see cref="TaskCatalog.Add{TArgs, TResult}(string, Func{TArgs, TaskContext, ValueTask{TResult}}, JsonTypeInfo{TArgs}, JsonTypeInfo{TResult})"/>;
/// pass it to a process pool to submit calls with compile-time types.
/// </summary>
/// <typeparam name="TArgs">The arguments, serialized as JSON.</typeparam>
/// <typeparam name="TResult">The result, serialized as JSON.</typeparam>
public sealed class TaskKind<TArgs, TResult>
{
    private readonly Func<TArgs, TaskContext, ValueTask<TResult>>? _async;
    private readonly Func<TArgs, TaskContext, TResult>? _sync;

    internal TaskKind(string name, Func<TArgs, TaskContext, ValueTask<TResult>>? async, Func<TArgs, TaskContext, TResult>? sync, JsonTypeInfo<TArgs> arguments, JsonTypeInfo<TResult> result)
    {
        Name = name;
        _async = async;
        _sync = sync;
        ArgumentsCodec = new JsonCodec<TArgs>(arguments);
        ResultCodec = new JsonCodec<TResult>(result);
        Handler = new TypedHandler(this);
    }

    /// <summary>The kind string, such as <c>"images.resize"</c>: the task's identity on the wire.</summary>
    public string Name { get; }

    internal JsonCodec<TArgs> ArgumentsCodec { get; }

    internal JsonCodec<TResult> ResultCodec { get; }

    internal TaskHandler Handler { get; }

    /// <summary>Runs the handler here, in this process, with no serialization.</summary>
    public ValueTask<TResult> InvokeAsync(TArgs arguments, TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _sync is not null ? new ValueTask<TResult>(_sync(arguments, context)) : _async!(arguments, context);
    }

    internal byte[] SerializeArguments(TArgs arguments) => ArgumentsCodec.ToBytes(arguments);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Whether map chunks of this kind travel as raw numbers (see <see cref="TaskHandler.IsIntegerFunction"/>).</summary>
    internal bool IsIntegerFunction => ArgumentsCodec.IsPlainInteger && ResultCodec.IsPlainInteger;

    private sealed class TypedHandler(TaskKind<TArgs, TResult> kind) : TaskHandler(kind.Name)
    {
        internal override bool IsIntegerFunction => kind.IsIntegerFunction;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override void InvokeIntegers(ReadOnlySpan<long> arguments, Span<long> results, TaskContext context, ref List<(int Index, Exception Error)>? failures)
        {
            if (!kind.IsIntegerFunction)
            {
                base.InvokeIntegers(arguments, results, context, ref failures);
            }

            // One delegate call per item and nothing else between items: for small CPU-bound items the
            // processor overlaps one call's tail with the next call's head, and every extra hop costs that.
            int i = 0;
            while (i < arguments.Length)
            {
                try
                {
                    Func<TArgs, TaskContext, TResult>? sync = kind._sync;
                    for (; i < arguments.Length; i++)
                    {
                        if (context.CancellationToken.IsCancellationRequested)
                        {
                            context.CancellationToken.ThrowIfCancellationRequested();
                        }

                        TResult result = sync is not null ? sync(FromLong(arguments[i]), context) : Await(kind._async!(FromLong(arguments[i]), context));
                        results[i] = typeof(TResult) == typeof(long) ? Unsafe.As<TResult, long>(ref result) : Unsafe.As<TResult, int>(ref result);
                    }
                }
                catch (Exception e)
                {
                    (failures ??= []).Add((i, e));
                    i++;
                }
            }
        }

        private static TResult Await(ValueTask<TResult> running) => running.IsCompletedSuccessfully ? running.Result : running.AsTask().GetAwaiter().GetResult();

        private static TArgs FromLong(long value)
        {
            if (typeof(TArgs) == typeof(long))
            {
                return Unsafe.As<long, TArgs>(ref value);
            }

            int narrow = checked((int)value);
            return Unsafe.As<int, TArgs>(ref narrow);
        }

        internal override ValueTask InvokeAsync(ReadOnlySpan<byte> arguments, TaskContext context, IBufferWriter<byte> result)
        {
            TArgs decoded = Decode(arguments);
            if (kind._sync is not null)
            {
                kind.ResultCodec.Write(result, kind._sync(decoded, context));
                return default;
            }

            ValueTask<TResult> running = kind._async!(decoded, context);
            if (running.IsCompletedSuccessfully)
            {
                kind.ResultCodec.Write(result, running.Result);
                return default;
            }

            return AwaitAsync(running, result);
        }

        private async ValueTask AwaitAsync(ValueTask<TResult> running, IBufferWriter<byte> result) =>
            kind.ResultCodec.Write(result, await running.ConfigureAwait(false));

        private TArgs Decode(ReadOnlySpan<byte> arguments)
        {
            try
            {
                return kind.ArgumentsCodec.Read(arguments);
            }
            catch (JsonException e)
            {
                throw new TaskArgumentException(Kind, $"Malformed arguments for task '{Kind}': expected JSON for {typeof(TArgs).Name}. {e.Message}", e);
            }
        }
    }
}
