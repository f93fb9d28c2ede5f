-- The best @limit available jobs of one queue: jobs_claim.sql for the one queue a worker's lane claims from,
-- without the per-queue join and the merge of the queues' best (each costs the executor set-up on every call).
-- Locked with SKIP LOCKED, taken by primary key from an array, and returned in claim order, as there.
WITH candidates AS MATERIALIZED (
    SELECT id FROM spindle_jobs
    WHERE state = 'available' AND queue = @queue
    ORDER BY rank DESC, run_at, id
    LIMIT @limit
    FOR UPDATE SKIP LOCKED
),
claimed AS (
    UPDATE spindle_jobs j SET
        state = 'running',
        attempt = j.attempt + 1,
        attempted_at = @now,
        attempted_by = @worker_id,
        lease_expires_at = coalesce(@lease_from::timestamptz, clock_timestamp()) + @lease
    WHERE j.id = ANY(ARRAY(SELECT id FROM candidates))
    RETURNING j.*
)
SELECT * FROM claimed ORDER BY rank DESC, run_at, id;
