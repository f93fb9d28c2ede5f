-- Fenced: the handler stopped because the job was cancelled.
UPDATE spindle_jobs j SET
    state = 'cancelled',
    error = c.error,
    finished_at = @now,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @errors::text[]) AS c(id, attempt, error)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
RETURNING j.id, j.state;
