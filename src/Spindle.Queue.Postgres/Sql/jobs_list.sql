-- Keyset paging by id. The store puts in only the filters given (AND queue = @queue, the state as a literal,
-- AND kind = @kind, AND id < @cursor or id > @cursor) and the order (JobsListStatements): a filter written as
-- "@x IS NULL OR ..." would hide every index from the planner. With a queue and a state given, the
-- spindle_jobs_queue_state index (queue, state, id) serves the filter and the order.
SELECT * FROM spindle_jobs
WHERE true /* filters */
ORDER BY /* order */
LIMIT @limit;
