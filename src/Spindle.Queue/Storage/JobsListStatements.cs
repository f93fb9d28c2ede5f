using System.Collections.Concurrent;
using System.Text;

namespace Spindle.Queue.Storage;

/// <summary>
/// A store's job-listing statement with only the filters a call gives (<c>AND queue = @queue</c>, the state, <c>AND
/// kind = @kind</c>, the cursor) and its order put in, in place of the template's <c>/* filters */</c> and
/// <c>/* order */</c>. Written as <c>@x IS NULL OR ...</c> instead, a filter hides every index from the planner (and
/// from a generic plan of a prepared statement) and the listing scans every job. The state goes in as a literal
/// (one of seven names), so the planner can match it against partial indexes.
/// </summary>
/// <param name="template">The store's <c>jobs_list.sql</c>.</param>
/// <param name="orderedByIndex">
/// Whether the store's index for a state gives its jobs in id order; when not, the order is written <c>+id</c>
/// (SQLite: sort what that index finds rather than walk every job in id order to find a few).
/// </param>
internal sealed class JobsListStatements(string template, Func<JobState, bool>? orderedByIndex = null)
{
    // One per shape (which filters, which state, which order), each made once; read by any thread.
    private readonly ConcurrentDictionary<int, string> _shapes = new();

    /// <summary>The state filter: the state as a literal, which a partial index's term on state can match.</summary>
    private static string StateEquals(JobState state) => $" AND state = '{JobStateNames.ToName(state)}'";

    internal string For(JobsListParams parameters)
    {
        if (parameters.State is { } given && !Enum.IsDefined(given))
        {
            throw new ArgumentOutOfRangeException(nameof(parameters), given, "Not a job state.");
        }

        int state = parameters.State is { } s ? (int)s + 1 : 0;
        int shape = (parameters.Cursor is null ? 0 : 1) | (parameters.Queue is null ? 0 : 2) | (parameters.Kind is null ? 0 : 4)
            | (parameters.NewestFirst ? 8 : 0) | (state << 4);
        return _shapes.GetOrAdd(shape, Make, parameters.State);
    }

    private string Make(int shape, JobState? state)
    {
        bool newestFirst = (shape & 8) != 0;
        bool byIndex = state is not { } sorted || orderedByIndex is null || orderedByIndex(sorted);

        // "+id" keeps the planner from walking the table in id order from the cursor, past every other job.
        string id = byIndex ? "id" : "+id";
        var filters = new StringBuilder();
        if ((shape & 1) != 0)
        {
            filters.Append(newestFirst ? $" AND {id} < @cursor" : $" AND {id} > @cursor");
        }

        if ((shape & 2) != 0)
        {
            filters.Append(" AND queue = @queue");
        }

        if (state is { } named)
        {
            filters.Append(StateEquals(named));
        }

        if ((shape & 4) != 0)
        {
            filters.Append(" AND kind = @kind");
        }

        return template
            .Replace("/* filters */", filters.ToString(), StringComparison.Ordinal)
            .Replace("/* order */", id + (newestFirst ? " DESC" : " ASC"), StringComparison.Ordinal);
    }
}
