-- A waiting job is cancelled at once; a running one keeps running with cancellation requested, which its
-- worker learns at its next heartbeat (and rescue turns into cancelled if the worker is gone). A job waiting to
-- retry keeps its last failure (type, stack, exit code) in the note, its message after the cancellation's.
UPDATE jobs SET
    state = CASE WHEN state = 'running' THEN 'running' ELSE 'cancelled' END,
    cancel_requested_at = CASE WHEN state = 'running' THEN coalesce(cancel_requested_at, @now) ELSE cancel_requested_at END,
    finished_at = CASE WHEN state = 'running' THEN NULL ELSE @now END,
    error = CASE WHEN state = 'running' THEN error
        WHEN error IS NULL THEN json_object('kind', 'Cancelled', 'taskKind', kind, 'message', 'cancelled before it started')
        ELSE json_set(error, '$.kind', 'Cancelled',
                      '$.message', 'cancelled before attempt ' || (attempt + 1) || '; attempt ' || attempt || ' had failed: ' || json_extract(error, '$.message'))
    END
WHERE id = @id AND (state = 'scheduled' OR state = 'available' OR state = 'running' OR state = 'retrying')
RETURNING state;
