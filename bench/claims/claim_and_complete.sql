-- A claim of 10 (claim_one_queue.sql) and the completion of those 10 (jobs_complete_succeeded.sql), each its own
-- transaction, as a worker's fetcher and completer send them (the worker's completions gather more jobs). The
-- completion runs on a custom plan, as the store sends it: set_config and the update in one pipeline, one implicit
-- transaction.
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
SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(attempt), '{}') AS attempts,
       coalesce(array_agg(args), '{}') AS results FROM claimed \gset
\startpipeline
SELECT set_config('plan_cache_mode', 'force_custom_plan', true);
UPDATE spindle_jobs j SET
    state = 'succeeded',
    result = c.result,
    finished_at = now(),
    lease_expires_at = NULL
FROM unnest(:ids::bigint[], :attempts::int[], :results::text[]) AS c(id, attempt, result)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
RETURNING j.id, j.state;
\endpipeline
