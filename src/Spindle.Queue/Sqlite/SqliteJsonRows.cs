using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// The one JSON array parameter that carries a batch's rows into a statement, which reads them with
/// <c>jsonb_each</c> (each row then a JSONB value, read without parsing text again): one statement and one binding
/// for the batch instead of one statement and a binding per value for each row.
/// </summary>
internal static class SqliteJsonRows
{
    /// <summary>Rows per statement: one chunk's parameter and the rows it returns stay small.</summary>
    internal const int RowsPerStatement = 1000;

    /// <summary>
    /// Text per statement (arguments or results), in characters before JSON escaping: one chunk's parameter stays
    /// a few megabytes however large the values; a row whose text alone is larger is written with the statement
    /// for one row.
    /// </summary>
    internal const int CharsPerStatement = 1 << 20;

    // Non-ASCII text as UTF-8, not \u escapes: less to write and for SQLite to decode; still valid JSON.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The array <paramref name="writeRows"/> fills (it writes the rows, each an array of its values).</summary>
    internal static string Write<TState>(TState state, int capacity, Action<Utf8JsonWriter, TState> writeRows)
    {
        var buffer = new ArrayBufferWriter<byte>(capacity);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            writeRows(writer, state);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
