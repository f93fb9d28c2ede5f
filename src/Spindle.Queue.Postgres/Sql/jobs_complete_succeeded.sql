-- Fenced: a completion whose attempt is not the job's current running attempt changes nothing (no row).
UPDATE spindle_jobs j SET
    state = 'succeeded',
    result = c.result,
    finished_at = @now,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @results::text[]) AS c(id, attempt, result)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
RETURNING j.id, j.state;
