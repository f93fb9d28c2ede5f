using System.Data.Common;
using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>Reads rows of <c>spindle_jobs</c> and <c>spindle_schedules</c> (<see cref="StoredRows"/>), moments stored as timestamptz.</summary>
internal static class PostgresJobRows
{
    /// <summary>A moment as the PostgreSQL store keeps it.</summary>
    internal static readonly Func<DbDataReader, int, DateTimeOffset> Time = static (row, ordinal) => row.GetFieldValue<DateTimeOffset>(ordinal);

    internal static async Task<List<JobInfo>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAllAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The jobs of the reader's current result.</summary>
    internal static async Task<List<JobInfo>> ReadAllAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<JobInfo>();
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return jobs;
        }

        Func<DbDataReader, JobInfo> job = StoredRows.JobReader(reader, Time);
        do
        {
            jobs.Add(job(reader));
        }
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false));
        return jobs;
    }

    internal static async Task<List<JobScheduleInfo>> ReadSchedulesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var schedules = new List<JobScheduleInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schedules.Add(StoredRows.Schedule(reader, Time));
        }

        return schedules;
    }
}
