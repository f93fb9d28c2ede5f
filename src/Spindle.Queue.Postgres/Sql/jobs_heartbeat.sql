-- Fenced: only each job's current running attempt is extended. Every lease of the worker in one statement.
-- The lease runs from @lease_from, or from the database's clock when that is NULL (see PostgresStoreSettings).
UPDATE spindle_jobs j SET lease_expires_at = coalesce(@lease_from::timestamptz, clock_timestamp()) + @lease
FROM unnest(@ids::bigint[], @attempts::int[]) AS h(id, attempt)
WHERE j.id = h.id AND j.attempt = h.attempt AND j.state = 'running'
RETURNING j.id, j.attempt, j.cancel_requested_at IS NOT NULL;
