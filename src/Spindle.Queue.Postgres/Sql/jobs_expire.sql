-- Waiting jobs past their expiry are cancelled before any attempt starts (spindle_jobs_expiry). A job that was
-- waiting to retry keeps its last failure in the note, its message after the expiry's.
-- Taken by primary key from an array, as in jobs_claim.sql: a seek per row under any plan; the earliest expired
-- first, at most 1,000 a call, in spindle_jobs_expiry's order (as in jobs_promote.sql).
UPDATE spindle_jobs SET
    state = 'cancelled',
    finished_at = @now,
    error = CASE WHEN error IS NULL
        THEN json_build_object('kind', 'Cancelled', 'taskKind', kind,
                               'message', 'expired: no attempt started before its ExpiresAt ('
                                          || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')')::text
        ELSE (error::jsonb || jsonb_build_object('kind', 'Cancelled',
                'message', 'expired: attempt ' || (attempt + 1) || ' did not start before its ExpiresAt ('
                           || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '); attempt ' || attempt
                           || ' had failed: ' || (error::jsonb ->> 'message')))::text
    END
WHERE id = ANY(ARRAY(SELECT id FROM spindle_jobs
             WHERE state IN ('scheduled', 'available', 'retrying') AND expires_at <= @now
             ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED));
