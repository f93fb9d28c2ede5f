-- Fenced by attempt and claim time, as jobs_complete_succeeded. The worker hands an unfinished attempt back (it is shutting down): the job is available again at
-- once and keeps its rank (its place in line), and max_attempts grows by one so the attempt does not count.
-- The attempt number is not reset: it stays the fence. Cancelled instead when cancellation was asked for.
UPDATE spindle_jobs j SET
    state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'available' END,
    max_attempts = CASE WHEN j.cancel_requested_at IS NOT NULL THEN j.max_attempts ELSE j.max_attempts + 1 END,
    error = c.error,
    finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL THEN @now ELSE NULL END,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[], @errors::text[]) WITH ORDINALITY AS c(id, attempt, claimed_at, error, n)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
  AND (c.claimed_at IS NULL OR j.attempted_at = c.claimed_at)
RETURNING c.n, j.id, j.state;
