-- Waiting jobs past their expiry are cancelled before any attempt starts (jobs_expiry index).
UPDATE jobs SET
    state = 'cancelled',
    finished_at = @now,
    error = json_object('kind', 'Cancelled', 'taskKind', kind,
                        'message', 'expired: no attempt started before its ExpiresAt (' || strftime('%Y-%m-%dT%H:%M:%fZ', expires_at / 1000.0, 'unixepoch') || ')')
WHERE state IN ('scheduled', 'available', 'retrying') AND expires_at <= @now;
