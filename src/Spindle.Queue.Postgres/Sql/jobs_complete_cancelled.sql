-- Fenced by attempt and claim time, as jobs_complete_succeeded: the handler stopped because the job was cancelled.
UPDATE spindle_jobs j SET
    state = 'cancelled',
    error = c.error,
    finished_at = @now,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[], @errors::text[]) WITH ORDINALITY AS c(id, attempt, claimed_at, error, n)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
  AND (c.claimed_at IS NULL OR j.attempted_at = c.claimed_at)
RETURNING c.n, j.id, j.state;
