using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Sqlite;

public sealed class SqliteJobInsertsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_stretch_stops_before_a_unique_key_and_at_the_row_limit()
    {
        JobInsert[] jobs = [.. Enumerable.Repeat(Job("1"), 1_001), Job("1", "key"), Job("1")];

        Assert.Equal(SqliteJsonRows.RowsPerStatement, SqliteJobInserts.StretchEnd(jobs, 0));
        Assert.Equal(1_001, SqliteJobInserts.StretchEnd(jobs, 1_000));
        Assert.Equal(1_001, SqliteJobInserts.StretchEnd(jobs, 1_001));
        Assert.Equal(1_003, SqliteJobInserts.StretchEnd(jobs, 1_002));
    }

    [Fact]
    public void A_stretch_stops_where_its_arguments_would_pass_the_size_limit_and_a_job_larger_than_that_stands_alone()
    {
        string half = new('a', (SqliteJsonRows.CharsPerStatement / 2) + 1);
        JobInsert[] jobs = [Job("1"), Job(half), Job(half), Job("2"), Job(new string('b', SqliteJsonRows.CharsPerStatement + 1)), Job("3"), Job("4")];

        Assert.Equal(2, SqliteJobInserts.StretchEnd(jobs, 0));
        Assert.Equal(4, SqliteJobInserts.StretchEnd(jobs, 2));
        Assert.Equal(4, SqliteJobInserts.StretchEnd(jobs, 4));
        Assert.Equal(7, SqliteJobInserts.StretchEnd(jobs, 5));
    }

    private static JobInsert Job(string arguments, string? uniqueKey = null) =>
        new("test.job", "default", arguments, 0, Now, null, 3, null, RetryBackoff.Default, uniqueKey);
}
