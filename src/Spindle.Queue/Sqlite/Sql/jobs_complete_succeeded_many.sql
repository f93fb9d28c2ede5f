-- Many successful attempts in one statement, from one JSON array of [id, attempt, result] rows. Fenced like
-- jobs_complete_succeeded.sql: a row whose attempt is not the job's current running one changes nothing and
-- returns no id.
UPDATE jobs SET
    state = 'succeeded',
    result = c.value ->> 2,
    finished_at = @now,
    lease_expires_at = NULL
FROM jsonb_each(@completions) AS c
WHERE jobs.id = c.value ->> 0 AND jobs.attempt = c.value ->> 1 AND jobs.state = 'running'
RETURNING jobs.id;
