-- src/Spindle.Queue.Postgres/Sql/jobs_claim.sql with pgbench variables: claims of 10 from the queues of an array,
-- a parameter as the store sends it (run sets it to {q}: one queue, through the statement for many; the store itself
-- sends claim_one_queue's for one).
\set lim 10
\set lease 30
WITH candidates AS MATERIALIZED (
    SELECT j.id
    FROM unnest(:queues::text[]) AS q(name)
    CROSS JOIN LATERAL (
        SELECT id, rank, run_at FROM spindle_jobs
        WHERE state = 'available' AND queue = q.name
        ORDER BY rank DESC, run_at, id
        LIMIT :lim
        FOR UPDATE SKIP LOCKED) j
    ORDER BY j.rank DESC, j.run_at, j.id
    LIMIT :lim
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
