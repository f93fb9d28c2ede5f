using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Writes the successful attempts of a completion batch with one statement (<c>jobs_complete_succeeded_many.sql</c>),
/// the outcomes travelling as one JSON array: the common case of a busy worker, where a batch is mostly successes.
/// </summary>
internal static class SqliteJobCompletions
{
    /// <summary>
    /// Writes every <see cref="JobOutcome.Succeeded"/> completion of the batch in one statement and returns the ids it
    /// recorded (a completion whose attempt is no longer the running one is not among them: it is stale). Returns
    /// <see langword="null"/> without writing when the batch is better written one by one: fewer than two
    /// successes, or a job named twice (one by one, the first completion of a job wins and the second is stale).
    /// </summary>
    internal static HashSet<long>? WriteSucceeded(SqliteWriter.Transaction transaction, JobsCompleteParams parameters)
    {
        IReadOnlyList<JobCompletion> completions = parameters.Completions;
        var ids = new HashSet<long>(completions.Count);
        int succeeded = 0;
        foreach (JobCompletion completion in completions)
        {
            if (!ids.Add(completion.Id))
            {
                return null;
            }

            succeeded += completion.Outcome == JobOutcome.Succeeded ? 1 : 0;
        }

        if (succeeded < 2)
        {
            return null;
        }

        string rows = SqliteJsonRows.Write(completions, succeeded * 32, static (writer, completions) =>
        {
            foreach (JobCompletion completion in completions)
            {
                if (completion.Outcome == JobOutcome.Succeeded)
                {
                    writer.WriteStartArray();
                    writer.WriteNumberValue(completion.Id);
                    writer.WriteNumberValue(completion.Attempt);
                    writer.WriteStringValue(completion.Result ?? "null");
                    writer.WriteEndArray();
                }
            }
        });

        var written = new HashSet<long>(succeeded);
        using (SqliteDataReader reader = transaction.Command("jobs_complete_succeeded_many")
            .Bind("@completions", rows)
            .Bind("@now", parameters.Now)
            .ExecuteReader())
        {
            while (reader.Read())
            {
                written.Add(reader.GetInt64(0));
            }
        }

        return written;
    }
}
