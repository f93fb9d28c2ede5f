-- Waiting jobs past their expiry are cancelled before any attempt starts (jobs_expiry index). A job that was
-- waiting to retry keeps its last failure in the note, its message after the expiry's.
UPDATE jobs SET
    state = 'cancelled',
    finished_at = @now,
    error = CASE WHEN error IS NULL
        THEN json_object('kind', 'Cancelled', 'taskKind', kind, 'message', 'expired: no attempt started before its ExpiresAt ('
                         || strftime('%Y-%m-%dT%H:%M:%fZ', expires_at / 1000.0, 'unixepoch') || ')')
        ELSE json_set(error, '$.kind', 'Cancelled',
                      '$.message', 'expired: attempt ' || (attempt + 1) || ' did not start before its ExpiresAt ('
                         || strftime('%Y-%m-%dT%H:%M:%fZ', expires_at / 1000.0, 'unixepoch') || '); attempt ' || attempt
                         || ' had failed: ' || json_extract(error, '$.message'))
    END
WHERE (state = 'scheduled' OR state = 'available' OR state = 'retrying') AND expires_at <= @now;
