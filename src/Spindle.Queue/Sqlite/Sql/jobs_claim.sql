-- Takes the chosen jobs: running, leased, attempt incremented (the fence every later write names).
UPDATE jobs SET
    state = 'running',
    attempt = attempt + 1,
    attempted_at = @now,
    attempted_by = @worker_id,
    lease_expires_at = @lease_expires_at
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'available'
RETURNING *;
