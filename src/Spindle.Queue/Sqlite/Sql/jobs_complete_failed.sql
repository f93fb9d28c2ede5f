-- Fenced. Cancelled when cancellation was asked for while it ran (the request must not be lost to a retry);
-- dead when the failure is final or no attempt is left; otherwise retrying at @retry_at (available at once
-- when that is already due). SET expressions all read the row as it was.
UPDATE jobs SET
    state = CASE
        WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN @final = 1 OR attempt >= max_attempts THEN 'dead'
        WHEN @retry_at <= @now THEN 'available'
        ELSE 'retrying' END,
    error = @error,
    run_at = CASE WHEN cancel_requested_at IS NOT NULL OR @final = 1 OR attempt >= max_attempts THEN run_at ELSE @retry_at END,
    rank = CASE WHEN cancel_requested_at IS NOT NULL OR @final = 1 OR attempt >= max_attempts THEN rank
        ELSE priority - (SELECT aging_rate FROM queue_settings WHERE id = 1) * ((@retry_at - 1735689600000) / 1000.0) END,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR @final = 1 OR attempt >= max_attempts THEN @now ELSE NULL END,
    lease_expires_at = NULL
WHERE id = @id AND attempt = @attempt AND state = 'running'
RETURNING state;
