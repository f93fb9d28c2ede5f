using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Tasks;

/// <summary>
/// Reads and writes one type as JSON. Integers under the default converter take a short path: a JSON
/// integer is just its digits, so they are formatted and parsed directly, and anything the short path does
/// not fully understand (whitespace, an exponent, a quoted number) falls back to the serializer. The bytes
/// on the wire are the same JSON either way; the short path matters for maps of millions of small items.
/// </summary>
internal sealed class JsonCodec<T>(JsonTypeInfo<T> info)
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly bool _plainInteger = PlainInteger(info);

    internal JsonTypeInfo<T> Info => info;

    /// <summary>Whether <typeparamref name="T"/> is <see cref="int"/> or <see cref="long"/> under the default
    /// converter: such values can also travel as raw numbers (see <see cref="TaskHandler.IsIntegerFunction"/>).</summary>
    internal bool IsPlainInteger => _plainInteger;

    internal void Write(IBufferWriter<byte> output, T value)
    {
        if (_plainInteger && (typeof(T) == typeof(long) || typeof(T) == typeof(int)))
        {
            long number = typeof(T) == typeof(long) ? Unsafe.As<T, long>(ref value) : Unsafe.As<T, int>(ref value);
            Utf8Formatter.TryFormat(number, output.GetSpan(20), out int written);
            output.Advance(written);
            return;
        }

        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(output);
        try
        {
            JsonSerializer.Serialize(writer, value, info);
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);
        }
    }

    internal byte[] ToBytes(T value)
    {
        var output = new ArrayBufferWriter<byte>(32);
        Write(output, value);
        return output.WrittenSpan.ToArray();
    }

    internal T Read(ReadOnlySpan<byte> json)
    {
        if (_plainInteger && json.Length > 0 && json.Length <= 20 && json[0] != (byte)'+' && !LeadingZero(json))
        {
            if (typeof(T) == typeof(long) && Utf8Parser.TryParse(json, out long number, out int used) && used == json.Length)
            {
                return Unsafe.As<long, T>(ref number);
            }

            if (typeof(T) == typeof(int) && Utf8Parser.TryParse(json, out int small, out int usedSmall) && usedSmall == json.Length)
            {
                return Unsafe.As<int, T>(ref small);
            }
        }

        return JsonSerializer.Deserialize(json, info)!;
    }

    /// <summary>"07" or "-07": JSON forbids leading zeros, so such text goes to the serializer, which refuses it.</summary>
    private static bool LeadingZero(ReadOnlySpan<byte> json)
    {
        int digits = json[0] == (byte)'-' ? 1 : 0;
        return json.Length > digits + 1 && json[digits] == (byte)'0';
    }

    private static bool PlainInteger(JsonTypeInfo<T> info) =>
        (typeof(T) == typeof(long) || typeof(T) == typeof(int))
        && info.NumberHandling is null or JsonNumberHandling.Strict
        && info.Options.NumberHandling == JsonNumberHandling.Strict
        && info.Converter.GetType().FullName is "System.Text.Json.Serialization.Converters.Int64Converter" or "System.Text.Json.Serialization.Converters.Int32Converter";
}
