-- Fenced: only each job's current running attempt is extended, and only for the claim the worker holds when its
-- time is given (a claim a server crash forgot hands out its attempt number again). Every lease of the worker in one
-- statement; each row names the lease it extended by its place in the arrays (n, from 1).
-- The lease runs from @lease_from, or from the database's clock when that is NULL (see PostgresStoreSettings).
UPDATE spindle_jobs j SET lease_expires_at = coalesce(@lease_from::timestamptz, clock_timestamp()) + @lease
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[]) WITH ORDINALITY AS h(id, attempt, claimed_at, n)
WHERE j.id = h.id AND j.attempt = h.attempt AND j.state = 'running'
  AND (h.claimed_at IS NULL OR j.attempted_at = h.claimed_at)
RETURNING h.n, j.cancel_requested_at IS NOT NULL;
