using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

public sealed class JobsListStatementsTests
{
    private const string Template = "SELECT * FROM jobs WHERE 1 = 1/* filters */ ORDER BY /* order */ LIMIT @limit;";

    [Fact]
    public void Only_the_filters_given_go_in_with_the_state_as_a_literal()
    {
        var statements = new JobsListStatements(Template);

        Assert.Equal("SELECT * FROM jobs WHERE 1 = 1 ORDER BY id DESC LIMIT @limit;", statements.For(Query(null, null, null, newestFirst: true)));
        Assert.Equal(
            "SELECT * FROM jobs WHERE 1 = 1 AND id > @cursor AND queue = @queue AND state = 'dead' AND kind = @kind ORDER BY id ASC LIMIT @limit;",
            statements.For(Query("q", JobState.Dead, 5, newestFirst: false, kind: "k")));
    }

    [Fact]
    public void Every_state_and_shape_gets_its_own_statement()
    {
        var statements = new JobsListStatements(Template);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (JobState? state in Enum.GetValues<JobState>().Select(s => (JobState?)s).Append(null))
        {
            foreach (bool newestFirst in new[] { true, false })
            {
                string sql = statements.For(Query("q", state, 10, newestFirst));
                Assert.True(seen.Add(sql), sql);
                Assert.Contains(state is { } s ? $"state = '{JobStateNames.ToName(s)}'" : "1 = 1 AND id", sql, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_state_whose_index_is_not_in_id_order_is_sorted_after_its_filter()
    {
        var statements = new JobsListStatements(Template, orderedByIndex: state => state != JobState.Running);

        Assert.Equal(
            "SELECT * FROM jobs WHERE 1 = 1 AND +id < @cursor AND state = 'running' ORDER BY +id DESC LIMIT @limit;",
            statements.For(Query(null, JobState.Running, 7, newestFirst: true)));
        Assert.Contains("AND id < @cursor AND state = 'dead' ORDER BY id DESC", statements.For(Query(null, JobState.Dead, 7, newestFirst: true)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_no_job_state_is_refused()
    {
        var statements = new JobsListStatements(Template);

        Assert.Throws<ArgumentOutOfRangeException>(() => statements.For(Query(null, (JobState)(-1), null, newestFirst: true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => statements.For(Query(null, (JobState)99, null, newestFirst: true)));
    }

    private static JobsListParams Query(string? queue, JobState? state, long? cursor, bool newestFirst, string? kind = null) =>
        new(queue, state, kind, cursor, 50, newestFirst);
}
