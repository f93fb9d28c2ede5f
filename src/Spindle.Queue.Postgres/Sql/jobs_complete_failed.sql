-- Fenced by attempt and claim time, as jobs_complete_succeeded. Cancelled when cancellation was asked for while it ran (the request must not be lost to a retry);
-- dead when the failure is final or no attempt is left; otherwise retrying at its retry time (available at
-- once when that is already due). SET expressions all read the row as it was.
UPDATE spindle_jobs j SET
    state = CASE
        WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN c.final OR j.attempt >= j.max_attempts THEN 'dead'
        WHEN c.retry_at <= @now THEN 'available'
        ELSE 'retrying' END,
    error = c.error,
    run_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR c.final OR j.attempt >= j.max_attempts THEN j.run_at ELSE c.retry_at END,
    rank = CASE WHEN j.cancel_requested_at IS NOT NULL OR c.final OR j.attempt >= j.max_attempts THEN j.rank
        ELSE j.priority - (SELECT aging_rate FROM spindle_queue_settings WHERE id = 1) * (extract(epoch FROM c.retry_at)::float8 - 1735689600) END,
    finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR c.final OR j.attempt >= j.max_attempts THEN @now ELSE NULL END,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[], @finals::boolean[], @retry_ats::timestamptz[], @errors::text[])
     WITH ORDINALITY AS c(id, attempt, claimed_at, final, retry_at, error, n)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
  AND (c.claimed_at IS NULL OR j.attempted_at = c.claimed_at)
RETURNING c.n, j.id, j.state;
