-- Keyset paging by id. The store puts in only the filters given (AND queue = @queue, the state as a literal,
-- AND kind = @kind, AND id < @cursor or id > @cursor) and the order: a filter written as "@x IS NULL OR ..."
-- would hide every index from the planner and scan the whole table. With a queue and a resting state given,
-- jobs_queue_state (queue, state, then id) serves the filter and the order; available and running jobs are
-- found through jobs_claim and jobs_lease and sorted (SqliteJobStore.ListStatements).
SELECT * FROM jobs
WHERE 1 = 1 /* filters */
ORDER BY /* order */
LIMIT @limit;
