using System.Text.Json;
using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Inserts a stretch of jobs without unique keys with one statement: the jobs travel as one JSON array parameter
/// (<see cref="SqliteJsonRows"/>), so a chunk costs one statement instead of one statement and fifteen parameter
/// bindings per job. Jobs that differ only in their arguments (an <c>EnqueueMany</c> call with one set of options)
/// bind what they share once and send only their arguments (<c>jobs_insert_shared.sql</c>); any other stretch sends
/// every job's values (<c>jobs_insert_many.sql</c>). docs/benchmarks.md measures both.
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
        if (ShareAllButArguments(jobs, first, count))
        {
            InsertShared(transaction, jobs, first, count, now, inserted);
            return;
        }

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

    /// <summary>
    /// Whether the jobs differ in nothing but their arguments (none has a unique key). Compared as whole records, so a
    /// field added to <see cref="JobInsert"/> one day keeps jobs that differ in it apart.
    /// </summary>
    internal static bool ShareAllButArguments(IReadOnlyList<JobInsert> jobs, int first, int count)
    {
        JobInsert template = jobs[first];
        for (int i = first; i < first + count; i++)
        {
            JobInsert job = jobs[i];
            if (job.UniqueKey is not null || job with { Arguments = template.Arguments } != template)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Inserts jobs that share all but their arguments: the shared values bound once, the arguments as one array.</summary>
    private static void InsertShared(SqliteWriter.Transaction transaction, IReadOnlyList<JobInsert> jobs, int first, int count, DateTimeOffset now, JobInserted[] inserted)
    {
        string arguments = SqliteJsonRows.Write((jobs, first, count), count * 16, static (writer, batch) =>
        {
            for (int i = batch.first; i < batch.first + batch.count; i++)
            {
                writer.WriteStringValue(batch.jobs[i].Arguments);
            }
        });

        JobInsert template = jobs[first];
        int added = transaction.Command("jobs_insert_shared")
            .BindAllButArguments(template)
            .Bind("@run_at", template.RunAt)
            .Bind("@expires_at", template.ExpiresAt)
            .Bind("@arguments", arguments)
            .Bind("@now", now)
            .ExecuteNonQuery();
        if (added != count)
        {
            throw new InvalidOperationException($"Inserting {count} jobs in one statement added {added}.");
        }

        long last;
        JobState state;
        using (SqliteDataReader reader = transaction.Command("jobs_inserted_last").ExecuteReader())
        {
            if (!reader.Read())
            {
                throw new InvalidOperationException($"The last of {count} jobs inserted in one statement cannot be read back.");
            }

            last = reader.GetInt64(0);
            state = JobStateNames.Parse(reader.GetString(1));
        }

        // One writer and AUTOINCREMENT: the statement's rows took the ids up to the last one's, in array order.
        for (int k = 0; k < count; k++)
        {
            JobInsert job = jobs[first + k];
            inserted[first + k] = new JobInserted(last - count + 1 + k, state, Created: true, job.Kind, job.Queue);
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
