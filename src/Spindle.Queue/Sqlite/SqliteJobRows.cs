using System.Data.Common;
using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>Reads rows of <c>jobs</c> and <c>schedules</c> (<see cref="StoredRows"/>), moments stored as Unix milliseconds.</summary>
internal static class SqliteJobRows
{
    /// <summary>A moment as the SQLite store keeps it.</summary>
    internal static readonly Func<DbDataReader, int, DateTimeOffset> Time = static (row, ordinal) => SqliteCommands.Time(row.GetInt64(ordinal));

    internal static List<JobInfo> ReadAll(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        var jobs = new List<JobInfo>();
        if (!reader.Read())
        {
            return jobs;
        }

        Func<DbDataReader, JobInfo> job = StoredRows.JobReader(reader, Time);
        do
        {
            jobs.Add(job(reader));
        }
        while (reader.Read());
        return jobs;
    }

    internal static List<JobScheduleInfo> ReadSchedules(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        var schedules = new List<JobScheduleInfo>();
        while (reader.Read())
        {
            schedules.Add(StoredRows.Schedule(reader, Time));
        }

        return schedules;
    }
}
