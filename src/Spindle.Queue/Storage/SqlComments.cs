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
    /// <paramref name="sql"/> without its <c>--</c> comments, trailing blanks or empty lines, its line ends written
    /// <c>\n</c>. Quoted text (<c>'...'</c>, <c>"..."</c>) and block comments (nested too) are kept as written, a
    /// <c>--</c> in them included. Dollar-quoted text and <c>E'...'</c> strings are refused: a <c>--</c> inside them
    /// could not be told from a comment without reading their tags and escapes, and no statement file needs them.
    /// </summary>
    internal static string WithoutLineComments(string sql)
    {
        var text = new StringBuilder(sql.Length);
        int lineStart = 0;
        for (int i = 0; i < sql.Length; i++)
        {
            char c = sql[i];
            char next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            bool afterWord = i > 0 && IsWordChar(sql[i - 1]);
            if (c is '\'' or '"')
            {
                // A doubled quote inside is the quote itself: it closes the text and opens it again.
                int close = sql.IndexOf(c, i + 1);
                int end = close < 0 ? sql.Length : close + 1;
                text.Append(sql, i, end - i);
                i = end - 1;
            }
            else if (c == '/' && next == '*')
            {
                i = AppendBlockComment(sql, i, text);
            }
            else if (c == '-' && next == '-')
            {
                // To the line's end, which PostgreSQL's lexer finds at \n or \r.
                while (i + 1 < sql.Length && sql[i + 1] is not ('\n' or '\r'))
                {
                    i++;
                }
            }
            else if (c is '\n' or '\r')
            {
                i += c == '\r' && next == '\n' ? 1 : 0;
                EndLine(text, ref lineStart);
            }
            else if (c == '$' && !afterWord && (next == '$' || char.IsAsciiLetter(next) || next == '_') && DollarQuoteAt(sql, i))
            {
                throw new ArgumentException("Dollar-quoted text is not supported in a statement file; write it with single quotes.", nameof(sql));
            }
            else if (c is 'E' or 'e' && next == '\'' && !afterWord)
            {
                throw new ArgumentException("E'...' strings are not supported in a statement file; write them with single quotes.", nameof(sql));
            }
            else
            {
                text.Append(c);
            }
        }

        EndLine(text, ref lineStart);
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>Appends the block comment that opens at <paramref name="start"/>, nested ones included; returns where it ends.</summary>
    private static int AppendBlockComment(string sql, int start, StringBuilder text)
    {
        int depth = 0;
        int i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    break;
                }
            }
            else
            {
                i++;
            }
        }

        text.Append(sql, start, i - start);
        return i - 1;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$';

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
