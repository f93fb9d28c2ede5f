using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

public sealed class EmbeddedSqlTests
{
    private static readonly EmbeddedSql Sql = new(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.");

    [Fact]
    public void A_statement_is_read_once_from_its_file_and_kept()
    {
        string first = Sql.Get("jobs_claim");

        Assert.Contains("UPDATE jobs SET", first, StringComparison.Ordinal);
        Assert.Same(first, Sql.Get("jobs_claim"));
    }

    [Fact]
    public void An_unknown_statement_is_refused_with_its_file_and_assembly_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Sql.Get("no_such_script"));

        Assert.Equal("No embedded SQL script 'Sql/no_such_script.sql' in Spindle.Queue.", error.Message);
    }

    [Fact]
    public void Migrations_come_in_the_order_of_their_numbers_and_a_prefix_with_none_has_none()
    {
        Assert.Equal(["001_create_jobs", "002_create_schedules", "003_queue_state_off_the_hot_path", "004_state_tests_without_in_lists"], Sql.Migrations.Select(m => m.Name));
        Assert.Empty(new EmbeddedSql(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "No.Such.Prefix.").Migrations);
    }

    [Fact]
    public void Two_migrations_with_one_number_are_refused()
    {
        var twice = Assert.Throws<InvalidOperationException>(() =>
            EmbeddedSql.Numbered([new(1, "001_a", ""), new(2, "002_b", ""), new(2, "002_c", "")]));

        Assert.Equal("Migrations '002_b.sql' and '002_c.sql' have the same number; each migration needs its own.", twice.Message);
    }

    [Fact]
    public void Statements_asked_for_without_line_comments_come_without_them()
    {
        var sql = new EmbeddedSql(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.", withoutLineComments: true);
        string kept = new EmbeddedSql(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.").Get("jobs_claim");

        string stripped = sql.Get("jobs_claim");

        Assert.Contains("--", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("--", stripped, StringComparison.Ordinal);
        Assert.Contains("UPDATE jobs SET", stripped, StringComparison.Ordinal);
    }
}
