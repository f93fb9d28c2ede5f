-- The best @limit available jobs of the served queues (jobs_claim_one_queue.sql: of one queue, as a worker's lane
-- claims), locked with SKIP LOCKED so concurrent claims from other workers pass over them instead of waiting, then taken: running, leased, attempt incremented (the
-- fence every later write names). Each queue is one seek on its stretch of the partial index spindle_jobs_claim
-- (at most @limit rows each); MATERIALIZED keeps the planner from folding the locking scan into the update.
-- The lease runs from @lease_from, or from the database's clock when that is NULL (see PostgresStoreSettings).
-- "id = ANY(ARRAY(...))" rather than "id IN (...)" or a join: the rows found are then taken by primary key, one seek
-- each, whatever the planner guesses for their number. PostgreSQL's generic plan of an IN subquery or a join guesses
-- a share of the whole table for a LIMIT or a time bound and hashes the whole table, and the claim runs on its
-- generic plan (PostgresJobStore.Leases: planned once per connection; PostgresJobStoreTests checks it seeks).
WITH candidates AS MATERIALIZED (
    SELECT j.id
    FROM unnest(@queues::text[]) AS q(name)
    CROSS JOIN LATERAL (
        SELECT id, rank, run_at FROM spindle_jobs
        WHERE state = 'available' AND queue = q.name
        ORDER BY rank DESC, run_at, id
        LIMIT @limit
        FOR UPDATE SKIP LOCKED) j
    ORDER BY j.rank DESC, j.run_at, j.id
    LIMIT @limit
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
-- In claim order again: the claim leaves rank, run_at and id as they were.
SELECT * FROM claimed ORDER BY rank DESC, run_at, id;
