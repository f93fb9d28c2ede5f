-- Running jobs whose lease ran out (their worker stopped renewing it: killed, hung, or cut off) are taken
-- back: cancelled if cancellation was asked for, dead with no attempt left, otherwise available now.
-- SKIP LOCKED: a row a worker is completing right now is not waited for; its completion decides.
-- Leases are compared with @lease_now, or with the database's clock when that is NULL, the clock they were written by.
-- Taken by primary key from an array, as in jobs_claim.sql: a seek per row under any plan.
UPDATE spindle_jobs SET
    state = CASE
        WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN attempt >= max_attempts THEN 'dead'
        ELSE 'available' END,
    error = json_build_object('kind', 'Lost', 'taskKind', kind,
                              'message', 'lease expired: worker ' || coalesce(attempted_by, '?') || ' stopped renewing attempt ' || attempt
                                         || ' (lease ran out at ' || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')')::text,
    run_at = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN run_at ELSE @now END,
    rank = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN rank
        ELSE priority - (SELECT aging_rate FROM spindle_queue_settings WHERE id = 1) * (extract(epoch FROM @now::timestamptz)::float8 - 1735689600) END,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR attempt >= max_attempts THEN @now ELSE NULL END,
    lease_expires_at = NULL
WHERE id = ANY(ARRAY(
    SELECT id FROM spindle_jobs
    WHERE state = 'running' AND lease_expires_at <= coalesce(@lease_now::timestamptz, clock_timestamp())
    ORDER BY lease_expires_at
    LIMIT @limit
    FOR UPDATE SKIP LOCKED))
RETURNING id, attempt, state;
