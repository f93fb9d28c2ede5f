-- Running jobs whose lease ran out (their worker stopped renewing it: killed, hung, or cut off) are taken
-- back: cancelled if cancellation was asked for, dead with no attempt left, otherwise available now.
UPDATE jobs SET
    state = CASE
        WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN attempt >= max_attempts THEN 'dead'
        ELSE 'available' END,
    error = json_object('kind', 'Lost', 'taskKind', kind,
                        'message', 'lease expired: worker ' || coalesce(attempted_by, '?') || ' stopped renewing attempt ' || attempt
                                   || ' (lease ran out at ' || strftime('%Y-%m-%dT%H:%M:%fZ', lease_expires_at / 1000.0, 'unixepoch') || ')'),
    run_at = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN run_at ELSE @now END,
    rank = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN rank
        ELSE priority - (SELECT aging_rate FROM queue_settings WHERE id = 1) * ((@now - 1735689600000) / 1000.0) END,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN @now ELSE NULL END,
    lease_expires_at = NULL
WHERE id IN (
    SELECT id FROM jobs
    WHERE state = 'running' AND lease_expires_at <= @now
    ORDER BY lease_expires_at
    LIMIT @limit)
RETURNING id, attempt, state;
