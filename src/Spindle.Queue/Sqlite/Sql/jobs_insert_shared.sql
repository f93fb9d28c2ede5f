-- Many jobs that differ only in their arguments (an EnqueueMany call with one set of options): what they share is
-- bound once, the arguments travel as one JSON array of strings. State and rank as in jobs_insert.sql. Rows are
-- inserted in array order, so with AUTOINCREMENT their ids ascend in that order; jobs_inserted_last.sql then reads
-- the last one's id and state (all share their run_at, so all share their state).
INSERT INTO jobs (kind, queue, state, priority, rank, args, max_attempts, timeout_ms,
                  backoff_initial_ms, backoff_max_ms, backoff_jitter, created_at, run_at, expires_at)
SELECT @kind, @queue,
       CASE WHEN @run_at > @now THEN 'scheduled' ELSE 'available' END,
       @priority,
       @priority - s.aging_rate * ((max(@run_at, @now) - 1735689600000) / 1000.0),
       a.value, @max_attempts, @timeout_ms,
       @backoff_initial_ms, @backoff_max_ms, @backoff_jitter, @now, @run_at, @expires_at
FROM jsonb_each(@arguments) AS a, queue_settings AS s
WHERE s.id = 1
ORDER BY a.key;
