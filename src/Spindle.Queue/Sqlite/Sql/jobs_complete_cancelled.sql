-- Fenced: the handler stopped because the job was cancelled.
UPDATE jobs SET
    state = 'cancelled',
    error = @error,
    finished_at = @now,
    lease_expires_at = NULL
WHERE id = @id AND attempt = @attempt AND state = 'running'
RETURNING state;
