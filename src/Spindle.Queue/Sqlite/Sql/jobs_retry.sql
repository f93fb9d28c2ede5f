-- A dead or cancelled job is available again. The attempt number is never reset (it is the fence: a
-- zombie of an old attempt must never match a new one); instead max_attempts grows to allow one more.
UPDATE jobs SET
    state = 'available',
    max_attempts = max(max_attempts, attempt + 1),
    run_at = @now,
    rank = priority - (SELECT aging_rate FROM queue_settings WHERE id = 1) * ((@now - 1735689600000) / 1000.0),
    finished_at = NULL,
    lease_expires_at = NULL,
    cancel_requested_at = NULL,
    expires_at = NULL
WHERE id = @id AND (state = 'dead' OR state = 'cancelled')
RETURNING state;
