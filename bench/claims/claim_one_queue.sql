-- src/Spindle.Queue.Postgres/Sql/jobs_claim_one_queue.sql with pgbench variables: claims of 10 from queue :q.
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
SELECT * FROM claimed ORDER BY rank DESC, run_at, id;
