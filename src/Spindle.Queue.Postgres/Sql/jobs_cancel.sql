-- A waiting job is cancelled at once; a running one keeps running with cancellation requested, which its
-- worker learns at its next heartbeat (and rescue turns into cancelled if the worker is gone). A job waiting to
-- retry keeps its last failure (type, stack, exit code) in the note, its message after the cancellation's.
UPDATE spindle_jobs SET
    state = CASE WHEN state = 'running' THEN 'running' ELSE 'cancelled' END,
    cancel_requested_at = CASE WHEN state = 'running' THEN coalesce(cancel_requested_at, @now) ELSE cancel_requested_at END,
    finished_at = CASE WHEN state = 'running' THEN NULL ELSE @now END,
    error = CASE WHEN state = 'running' THEN error
        WHEN error IS NULL THEN json_build_object('kind', 'Cancelled', 'taskKind', kind, 'message', 'cancelled before it started')::text
        ELSE (error::jsonb || jsonb_build_object('kind', 'Cancelled',
                'message', 'cancelled before attempt ' || (attempt + 1) || '; attempt ' || attempt || ' had failed: ' || (error::jsonb ->> 'message')))::text
    END
WHERE id = @id AND state IN ('scheduled', 'available', 'running', 'retrying')
RETURNING state;
