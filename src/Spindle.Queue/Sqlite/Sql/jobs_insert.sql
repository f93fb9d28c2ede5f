INSERT INTO jobs (kind, queue, state, priority, rank, args, max_attempts, timeout_ms,
                  backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at)
VALUES (@kind, @queue,
        CASE WHEN @run_at > @now THEN 'scheduled' ELSE 'available' END,
        @priority,
        @priority - (SELECT aging_rate FROM queue_settings WHERE id = 1) * ((max(@run_at, @now) - 1735689600000) / 1000.0),
        @args, @max_attempts, @timeout_ms,
        @backoff_initial_ms, @backoff_max_ms, @backoff_jitter, @unique_key, @now, @run_at, @expires_at)
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
RETURNING id, state, kind, queue;
