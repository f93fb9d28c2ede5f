using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

public sealed class SqlCommentsTests
{
    [Fact]
    public void Line_comments_trailing_blanks_and_empty_lines_go_and_the_statement_stays_as_written()
    {
        const string Sql = "-- What it does.\n-- More.\nSELECT a, -- the a\n       b  \n\n  FROM t -- end\nWHERE x = 1;\n-- after\n";

        Assert.Equal("SELECT a,\n       b\n  FROM t\nWHERE x = 1;", SqlComments.WithoutLineComments(Sql));
    }

    [Fact]
    public void Quoted_text_and_block_comments_keep_a_double_dash_in_them()
    {
        const string Sql = "SELECT '--not a comment', 'it''s -- here', \"odd--name\" -- gone\nFROM t WHERE true /* filters -- kept */\r\nORDER BY id";

        Assert.Equal(
            "SELECT '--not a comment', 'it''s -- here', \"odd--name\"\nFROM t WHERE true /* filters -- kept */\nORDER BY id",
            SqlComments.WithoutLineComments(Sql));
    }

    [Fact]
    public void Positional_parameters_pass_and_dollar_quoted_text_is_refused()
    {
        Assert.Equal("SELECT $1, $2", SqlComments.WithoutLineComments("SELECT $1, $2 -- two"));
        Assert.Throws<ArgumentException>(() => SqlComments.WithoutLineComments("DO $$ BEGIN -- x\nEND $$"));
        Assert.Throws<ArgumentException>(() => SqlComments.WithoutLineComments("SELECT $tag$--$tag$"));
    }

    [Fact]
    public void A_store_made_to_drop_them_hands_out_statements_without_them()
    {
        var sql = new EmbeddedSql(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.", withoutLineComments: true);
        string kept = new EmbeddedSql(typeof(JobQueue).Assembly, "Spindle.Queue.Sqlite.Sql.", "Spindle.Queue.Sqlite.Migrations.").Get("jobs_claim");

        string stripped = sql.Get("jobs_claim");

        Assert.Contains("--", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("--", stripped, StringComparison.Ordinal);
        Assert.Contains("UPDATE jobs SET", stripped, StringComparison.Ordinal);
    }
}
