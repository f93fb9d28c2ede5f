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

    [Fact]
    public void Jobs_share_a_statement_for_their_options_only_when_nothing_but_their_arguments_differs()
    {
        JobInsert job = Job("1");
        JobInsert[] differing =
        [
            job with { Kind = "other.job" },
            job with { Queue = "other" },
            job with { Priority = 1 },
            job with { RunAt = Now.AddMilliseconds(1) },
            job with { ExpiresAt = Now.AddHours(1) },
            job with { MaxAttempts = 4 },
            job with { Timeout = TimeSpan.FromSeconds(1) },
            job with { Backoff = RetryBackoff.Default with { Jitter = 0.5 } },
            job with { UniqueKey = "key" },
        ];

        Assert.True(SqliteJobInserts.ShareAllButArguments([job, Job("2"), Job("\"three\"")], 0, 3));
        Assert.True(SqliteJobInserts.ShareAllButArguments([job with { Priority = 5 }, job, Job("2")], 1, 2));
        foreach (JobInsert other in differing)
        {
            Assert.False(SqliteJobInserts.ShareAllButArguments([job, Job("2"), other], 0, 3), $"{other} shares the options of {job}");
            Assert.False(SqliteJobInserts.ShareAllButArguments([other, job], 0, 2), $"{other} shares the options of {job}");
        }
    }

    private static JobInsert Job(string arguments, string? uniqueKey = null) =>
        new("test.job", "default", arguments, 0, Now, null, 3, null, RetryBackoff.Default, uniqueKey);
}
