-- Fenced: refused (no row) unless this is the job's current running attempt.
UPDATE jobs SET
    state = 'succeeded',
    result = @result,
    finished_at = @now,
    lease_expires_at = NULL
WHERE id = @id AND attempt = @attempt AND state = 'running'
RETURNING state;
