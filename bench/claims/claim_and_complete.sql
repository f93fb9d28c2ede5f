-- A claim of 10 (claim_one_queue.sql) and the completion of those 10 (jobs_complete_succeeded.sql), each its own
-- transaction, as a worker's fetcher and completer send them (the worker's completions gather more jobs).
\set lim 10
\set lease 30
WITH candidates AS MATERIALIZED (
    SELECT id FROM spindle_jobs
    WHERE state = 'available' AND queue = :q
    ORDER BY rank DESC, run_at, id
    LIMIT :lim
    FOR UPDATE SKIP LOCKED
),
claimed AS (
    UPDATE spindle_jobs j SET
        state = 'running',
        attempt = j.attempt + 1,
        attempted_at = now(),
        attempted_by = :w,
        lease_expires_at = clock_timestamp() + :lease * interval '1 second'
    WHERE j.id = ANY(ARRAY(SELECT id FROM candidates))
    RETURNING j.*
)
SELECT array_agg(id) AS ids, array_agg(attempt) AS attempts, array_agg(args) AS results FROM claimed \gset
UPDATE spindle_jobs j SET
    state = 'succeeded',
    result = c.result,
    finished_at = now(),
    lease_expires_at = NULL
FROM unnest(:ids::bigint[], :attempts::int[], :results::text[]) AS c(id, attempt, result)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
RETURNING j.id, j.state;
