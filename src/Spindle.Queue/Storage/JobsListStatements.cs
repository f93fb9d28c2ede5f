using System.Collections.Concurrent;
using System.Text;

namespace Spindle.Queue.Storage;

/// <summary>
/// A store's job-listing statement with only the filters a call gives (<c>AND queue = @queue</c>, <c>AND state =
/// @state</c>, <c>AND kind = @kind</c>, the cursor) and its order put in, in place of the template's
/// <c>/* filters */</c> and <c>/* order */</c>. Written as <c>@x IS NULL OR ...</c> instead, a filter hides every index
/// from the planner (and from a generic plan of a prepared statement) and the listing scans every job.
/// </summary>
/// <param name="template">The store's <c>jobs_list.sql</c>.</param>
internal sealed class JobsListStatements(string template)
{
    // The 32 shapes (which filters, which order), each made once; read by any thread.
    private readonly ConcurrentDictionary<int, string> _shapes = new();

    internal string For(JobsListParams parameters)
    {
        int shape = (parameters.Cursor is null ? 0 : 1) | (parameters.Queue is null ? 0 : 2) | (parameters.State is null ? 0 : 4)
            | (parameters.Kind is null ? 0 : 8) | (parameters.NewestFirst ? 16 : 0);
        return _shapes.GetOrAdd(shape, Make);
    }

    private string Make(int shape)
    {
        bool newestFirst = (shape & 16) != 0;
        var filters = new StringBuilder();
        if ((shape & 1) != 0)
        {
            filters.Append(newestFirst ? " AND id < @cursor" : " AND id > @cursor");
        }

        if ((shape & 2) != 0)
        {
            filters.Append(" AND queue = @queue");
        }

        if ((shape & 4) != 0)
        {
            filters.Append(" AND state = @state");
        }

        if ((shape & 8) != 0)
        {
            filters.Append(" AND kind = @kind");
        }

        return template
            .Replace("/* filters */", filters.ToString(), StringComparison.Ordinal)
            .Replace("/* order */", newestFirst ? "DESC" : "ASC", StringComparison.Ordinal);
    }
}
