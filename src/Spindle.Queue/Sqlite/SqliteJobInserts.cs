using System.Text.Json;
using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Inserts a stretch of jobs without unique keys with one statement (<c>jobs_insert_many.sql</c>): the jobs travel
/// as one JSON array parameter (<see cref="SqliteJsonRows"/>), so a chunk costs one statement instead of one
/// statement and fifteen parameter bindings per job (docs/benchmarks.md measures the difference).
/// </summary>
internal static class SqliteJobInserts
{
    /// <summary>
    /// Where the stretch of jobs that can share one statement from <paramref name="first"/> ends (exclusive): jobs
    /// without a unique key (a job with one may find the job that holds its key instead), within
    /// <see cref="SqliteJsonRows.RowsPerStatement"/> and <see cref="SqliteJsonRows.CharsPerStatement"/>. A stretch of
    /// fewer than two is better inserted with the statement for one job.
    /// </summary>
    internal static int StretchEnd(IReadOnlyList<JobInsert> jobs, int first)
    {
        int end = first;
        long chars = 0;
        while (end < jobs.Count && end - first < SqliteJsonRows.RowsPerStatement && jobs[end].UniqueKey is null)
        {
            chars += jobs[end].Arguments.Length;
            if (chars > SqliteJsonRows.CharsPerStatement)
            {
                break;
            }

            end++;
        }

        return end;
    }

    /// <summary>
    /// Inserts <c>jobs[first..first+count]</c>, none with a unique key, and writes what became of each into
    /// <paramref name="inserted"/> at the same index.
    /// </summary>
    internal static void InsertMany(SqliteWriter.Transaction transaction, IReadOnlyList<JobInsert> jobs, int first, int count, DateTimeOffset now, JobInserted[] inserted)
    {
        string rows = SqliteJsonRows.Write((jobs, first, count), count * 128, static (writer, batch) =>
        {
            for (int i = batch.first; i < batch.first + batch.count; i++)
            {
                JobInsert job = batch.jobs[i];
                if (job.UniqueKey is not null)
                {
                    throw new ArgumentException($"Job {i} has a unique key; it must be inserted on its own.", nameof(jobs));
                }

                writer.WriteStartArray();
                writer.WriteStringValue(job.Kind);
                writer.WriteStringValue(job.Queue);
                writer.WriteNumberValue(job.Priority);
                writer.WriteStringValue(job.Arguments);
                writer.WriteNumberValue(job.MaxAttempts);
                WriteMilliseconds(writer, job.Timeout);
                WriteMilliseconds(writer, job.Backoff.Initial);
                WriteMilliseconds(writer, job.Backoff.Maximum);
                writer.WriteNumberValue(job.Backoff.Jitter);
                writer.WriteNumberValue(job.RunAt.ToUnixTimeMilliseconds());
                if (job.ExpiresAt is { } expires)
                {
                    writer.WriteNumberValue(expires.ToUnixTimeMilliseconds());
                }
                else
                {
                    writer.WriteNullValue();
                }

                writer.WriteEndArray();
            }
        });

        var ids = new List<(long Id, string State)>(count);
        using (SqliteDataReader reader = transaction.Command("jobs_insert_many")
            .Bind("@jobs", rows)
            .Bind("@now", now)
            .ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        if (ids.Count != count)
        {
            throw new InvalidOperationException($"Inserting {count} jobs in one statement added {ids.Count}.");
        }

        // Inserted in array order with ascending ids; RETURNING promises no order, so the ids are sorted back.
        ids.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        for (int k = 0; k < count; k++)
        {
            JobInsert job = jobs[first + k];
            inserted[first + k] = new JobInserted(ids[k].Id, JobStateNames.Parse(ids[k].State), Created: true, job.Kind, job.Queue);
        }
    }

    // As SqliteCommands binds a TimeSpan: whole milliseconds.
    private static void WriteMilliseconds(Utf8JsonWriter writer, TimeSpan? value)
    {
        if (value is { } span)
        {
            writer.WriteNumberValue((long)span.TotalMilliseconds);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
