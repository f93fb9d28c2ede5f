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
    public void A_comment_ends_at_a_lone_carriage_return_as_postgresql_ends_it()
    {
        Assert.Equal("DELETE FROM t\nWHERE id = @id", SqlComments.WithoutLineComments("DELETE FROM t -- x\rWHERE id = @id"));
        Assert.Equal("SELECT 1\nFROM t", SqlComments.WithoutLineComments("SELECT 1 --\r\nFROM t --"));
        Assert.Equal("SELECT 1 -\n- 2", SqlComments.WithoutLineComments("SELECT 1 -\n- 2"));
    }

    [Fact]
    public void Nested_block_comments_are_kept_whole()
    {
        Assert.Equal("SELECT /* a /* b */ -- c */ 1", SqlComments.WithoutLineComments("SELECT /* a /* b */ -- c */ 1 -- d"));
    }

    [Fact]
    public void Positional_parameters_and_dollars_in_names_pass_and_dollar_quoted_or_escaped_text_is_refused()
    {
        Assert.Equal("SELECT $1, $2", SqlComments.WithoutLineComments("SELECT $1, $2 -- two"));
        Assert.Equal("SELECT foo$bar$ FROM t", SqlComments.WithoutLineComments("SELECT foo$bar$ FROM t"));
        Assert.Equal("SELECT 'E', note'", SqlComments.WithoutLineComments("SELECT 'E', note'"));
        Assert.Throws<ArgumentException>(() => SqlComments.WithoutLineComments("DO $$ BEGIN -- x\nEND $$"));
        Assert.Throws<ArgumentException>(() => SqlComments.WithoutLineComments("SELECT $tag$--$tag$"));
        Assert.Throws<ArgumentException>(() => SqlComments.WithoutLineComments("SELECT E'it\\'s -- x', 1"));
    }
}
