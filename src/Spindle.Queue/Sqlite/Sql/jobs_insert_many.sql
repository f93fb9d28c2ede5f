-- Many jobs without a unique key in one statement, from one JSON array of rows
-- [kind, queue, priority, args, max_attempts, timeout_ms, backoff_initial_ms, backoff_max_ms, backoff_jitter, run_at, expires_at]:
-- one statement and one parameter instead of fifteen per job. Rows are inserted in array order, so with
-- AUTOINCREMENT their ids ascend in that order. State and rank as in jobs_insert.sql.
INSERT INTO jobs (kind, queue, state, priority, rank, args, max_attempts, timeout_ms,
                  backoff_initial_ms, backoff_max_ms, backoff_jitter, created_at, run_at, expires_at)
SELECT j.value ->> 0, j.value ->> 1,
       CASE WHEN j.value ->> 9 > @now THEN 'scheduled' ELSE 'available' END,
       j.value ->> 2,
       (j.value ->> 2) - s.aging_rate * ((max(j.value ->> 9, @now) - 1735689600000) / 1000.0),
       j.value ->> 3, j.value ->> 4, j.value ->> 5,
       j.value ->> 6, j.value ->> 7, j.value ->> 8, @now, j.value ->> 9, j.value ->> 10
FROM jsonb_each(@jobs) AS j, queue_settings AS s
WHERE s.id = 1
ORDER BY j.key
RETURNING id, state;
