-- Fenced. The worker hands an unfinished attempt back (it is shutting down): the job is available again at
-- once and keeps its rank (its place in line), and max_attempts grows by one so the attempt does not count.
-- The attempt number is not reset: it stays the fence. Cancelled instead when cancellation was asked for.
UPDATE jobs SET
    state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'available' END,
    max_attempts = CASE WHEN cancel_requested_at IS NOT NULL THEN max_attempts ELSE max_attempts + 1 END,
    error = @error,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN @now ELSE NULL END,
    lease_expires_at = NULL
WHERE id = @id AND attempt = @attempt AND state = 'running'
RETURNING state;
