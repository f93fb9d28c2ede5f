INSERT INTO spindle_schedules AS s (name, cron, time_zone, kind, queue, priority, args, max_attempts, timeout_ms,
                                    backoff_initial_ms, backoff_max_ms, backoff_jitter, next_run_at, created_at, updated_at)
VALUES (@name, @cron, @time_zone, @kind, @queue, @priority, @args, @max_attempts, @timeout_ms::bigint,
        @backoff_initial_ms, @backoff_max_ms, @backoff_jitter, @next_run_at::timestamptz, @now, @now)
ON CONFLICT (name) DO UPDATE SET
    -- Same moments: keep the stored next one, so setting a schedule again neither fires a moment twice nor skips one.
    next_run_at = CASE WHEN s.cron = excluded.cron AND s.time_zone = excluded.time_zone
                       THEN s.next_run_at ELSE excluded.next_run_at END,
    cron = excluded.cron, time_zone = excluded.time_zone, kind = excluded.kind, queue = excluded.queue,
    priority = excluded.priority, args = excluded.args, max_attempts = excluded.max_attempts,
    timeout_ms = excluded.timeout_ms, backoff_initial_ms = excluded.backoff_initial_ms,
    backoff_max_ms = excluded.backoff_max_ms, backoff_jitter = excluded.backoff_jitter, updated_at = excluded.updated_at
RETURNING *;
