using System.Text;

namespace Spindle.Queue.Storage;

/// <summary>
/// The statement files explain themselves in <c>--</c> comments, often longer than the statement. A client that
/// rewrites named parameters (Npgsql) reads the whole text on every execution, and sends it to the server to be
/// prepared: the comments go before either. Block comments stay: <c>jobs_list.sql</c> marks where filters go
/// with them (<see cref="JobsListStatements"/>).
/// </summary>
internal static class SqlComments
{
    /// <summary>
    /// <paramref name="sql"/> without its <c>--</c> comments, trailing blanks or empty lines. Quoted text
    /// (<c>'...'</c>, <c>"..."</c>) and block comments are kept as written, a <c>--</c> in them included; dollar-quoted text is refused,
    /// since a <c>--</c> inside it could not be told from a comment without parsing its tag.
    /// </summary>
    internal static string WithoutLineComments(string sql)
    {
        var text = new StringBuilder(sql.Length);
        char quote = '\0';
        int lineStart = 0;
        for (int i = 0; i < sql.Length; i++)
        {
            char c = sql[i];
            if (quote != '\0')
            {
                // A doubled quote inside quoted text is the quote itself: leaving and entering again reads it right.
                quote = c == quote ? '\0' : quote;
                text.Append(c);
                continue;
            }

            if (c == '$' && i + 1 < sql.Length && (sql[i + 1] == '$' || char.IsAsciiLetter(sql[i + 1]) || sql[i + 1] == '_') && DollarQuoteAt(sql, i))
            {
                throw new ArgumentException("Dollar-quoted text is not supported in a statement file; write it with single quotes.", nameof(sql));
            }

            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                c = '\n';
                if (i >= sql.Length)
                {
                    break;
                }
            }

            if (c == '\n')
            {
                EndLine(text, ref lineStart);
                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                // Kept whole, a "--" in it included (not nested: no statement file nests them).
                int close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                int end = close < 0 ? sql.Length : close + 2;
                text.Append(sql, i, end - i);
                i = end - 1;
                continue;
            }

            text.Append(c);
        }

        EndLine(text, ref lineStart);
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>Ends the line begun at <paramref name="lineStart"/>: trailing blanks go, and so does the line if nothing is left.</summary>
    private static void EndLine(StringBuilder text, ref int lineStart)
    {
        int end = text.Length;
        while (end > lineStart && text[end - 1] is ' ' or '\t' or '\r')
        {
            end--;
        }

        text.Length = end;
        if (end > lineStart)
        {
            text.Append('\n');
        }

        lineStart = text.Length;
    }

    /// <summary>Whether <c>$tag$</c> (or <c>$$</c>) starts at <paramref name="i"/>, rather than a positional parameter such as <c>$1</c>.</summary>
    private static bool DollarQuoteAt(string sql, int i)
    {
        int j = i + 1;
        while (j < sql.Length && (char.IsAsciiLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$';
    }
}
