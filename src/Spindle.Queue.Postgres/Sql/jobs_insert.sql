-- Many jobs in one statement from parallel arrays. A unique key that exists (or repeats within the batch)
-- inserts nothing: its row is found by key afterwards.
INSERT INTO spindle_jobs (id, kind, queue, state, priority, rank, args, max_attempts, timeout_ms,
                          backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at)
SELECT j.id, j.kind, j.queue,
       CASE WHEN j.run_at > @now THEN 'scheduled' ELSE 'available' END,
       j.priority,
       j.priority - s.aging_rate * (extract(epoch FROM greatest(j.run_at, @now))::float8 - 1735689600),
       j.args, j.max_attempts, j.timeout_ms, j.backoff_initial_ms, j.backoff_max_ms, j.backoff_jitter, j.unique_key,
       @now, j.run_at, j.expires_at
FROM unnest(@ids::bigint[], @kinds::text[], @queues::text[], @priorities::int[], @args::text[], @max_attempts::int[],
            @timeouts::bigint[], @backoff_initials::bigint[], @backoff_maxes::bigint[], @backoff_jitters::float8[],
            @unique_keys::text[], @run_ats::timestamptz[], @expires_ats::timestamptz[])
     WITH ORDINALITY AS j(id, kind, queue, priority, args, max_attempts, timeout_ms, backoff_initial_ms, backoff_max_ms,
                          backoff_jitter, unique_key, run_at, expires_at, n)
CROSS JOIN (SELECT aging_rate FROM spindle_queue_settings WHERE id = 1) s
ORDER BY j.n
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
RETURNING id, state;
