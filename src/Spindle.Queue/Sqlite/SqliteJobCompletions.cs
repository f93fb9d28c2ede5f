using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Writes the successful attempts of a completion batch with one statement per chunk
/// (<c>jobs_complete_succeeded_many.sql</c>), the outcomes travelling as one JSON array: the common case of a busy
/// worker, where a batch is mostly successes. Any other outcome, and a success too large to share a statement,
/// is written on its own.
/// </summary>
internal static class SqliteJobCompletions
{
    /// <summary>
    /// Writes the <see cref="JobOutcome.Succeeded"/> completions of the batch that can share statements, and says for
    /// each one written so whether it was recorded (<see langword="false"/>: its attempt is no longer the running one,
    /// the completion is stale). A completion not in the result is the caller's to write on its own; when the batch
    /// names a job twice none is written here (one by one, the first completion of a job wins and the second is stale).
    /// </summary>
    internal static Dictionary<long, bool> WriteSucceeded(SqliteWriter.Transaction transaction, JobsCompleteParams parameters)
    {
        IReadOnlyList<JobCompletion> completions = parameters.Completions;
        var handled = new Dictionary<long, bool>(completions.Count);
        var ids = new HashSet<long>(completions.Count);
        foreach (JobCompletion completion in completions)
        {
            if (!ids.Add(completion.Id))
            {
                return handled;
            }
        }

        var chunk = new List<JobCompletion>();
        long chars = 0;
        foreach (JobCompletion completion in completions)
        {
            int size = (completion.Result ?? "null").Length;
            if (completion.Outcome != JobOutcome.Succeeded || size > SqliteJsonRows.CharsPerStatement)
            {
                continue;
            }

            if (chunk.Count == SqliteJsonRows.RowsPerStatement || chars + size > SqliteJsonRows.CharsPerStatement)
            {
                Write(transaction, chunk, parameters.Now, handled);
                chunk.Clear();
                chars = 0;
            }

            chunk.Add(completion);
            chars += size;
        }

        Write(transaction, chunk, parameters.Now, handled);
        return handled;
    }

    /// <summary>One statement for the chunk; a chunk of one is left to the caller's statement for one job.</summary>
    private static void Write(SqliteWriter.Transaction transaction, List<JobCompletion> chunk, DateTimeOffset now, Dictionary<long, bool> handled)
    {
        if (chunk.Count < 2)
        {
            return;
        }

        string rows = SqliteJsonRows.Write(chunk, chunk.Count * 32, static (writer, chunk) =>
        {
            foreach (JobCompletion completion in chunk)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(completion.Id);
                writer.WriteNumberValue(completion.Attempt);
                writer.WriteStringValue(completion.Result ?? "null");
                writer.WriteEndArray();
            }
        });

        var written = new HashSet<long>(chunk.Count);
        using (SqliteDataReader reader = transaction.Command("jobs_complete_succeeded_many")
            .Bind("@completions", rows)
            .Bind("@now", now)
            .ExecuteReader())
        {
            while (reader.Read())
            {
                written.Add(reader.GetInt64(0));
            }
        }

        foreach (JobCompletion completion in chunk)
        {
            handled.Add(completion.Id, written.Contains(completion.Id));
        }
    }
}
