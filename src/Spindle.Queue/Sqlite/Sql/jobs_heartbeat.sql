-- Fenced: only the job's current running attempt is extended.
UPDATE jobs SET lease_expires_at = @lease_expires_at
WHERE id = @id AND attempt = @attempt AND state = 'running'
RETURNING cancel_requested_at IS NOT NULL;
