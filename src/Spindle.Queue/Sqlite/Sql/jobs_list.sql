-- Keyset paging by id. The store puts in only the filters given (AND queue = @queue, AND state = @state,
-- AND kind = @kind, AND id < @cursor or id > @cursor) and the order: a filter written as "@x IS NULL OR ..."
-- would hide every index from the planner and scan the whole table. With a queue and a state given, the
-- jobs_queue_state index (queue, state, then id) serves the filter and the order.
SELECT * FROM jobs
WHERE 1 = 1 /* filters */
ORDER BY id /* order */
LIMIT @limit;
