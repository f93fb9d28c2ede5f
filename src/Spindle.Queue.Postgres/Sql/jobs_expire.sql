-- Waiting jobs past their expiry are cancelled before any attempt starts (spindle_jobs_expiry).
UPDATE spindle_jobs SET
    state = 'cancelled',
    finished_at = @now,
    error = json_build_object('kind', 'Cancelled', 'taskKind', kind,
                              'message', 'expired: no attempt started before its ExpiresAt ('
                                         || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')')::text
WHERE id IN (SELECT id FROM spindle_jobs
             WHERE state IN ('scheduled', 'available', 'retrying') AND expires_at <= @now FOR UPDATE SKIP LOCKED);
