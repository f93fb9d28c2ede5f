-- Counts per queue and state, of every queue (queue_stats_of_queue.sql: one queue), each part over its own index
-- (migration 003): every state but running over spindle_jobs_queue_state, running jobs over spindle_jobs_lease.
SELECT queue, state, count(*) FROM spindle_jobs
WHERE state IN ('scheduled', 'available', 'retrying', 'succeeded', 'dead', 'cancelled')
GROUP BY queue, state
UNION ALL
SELECT queue, 'running', count(*) FROM spindle_jobs
WHERE state = 'running'
GROUP BY queue
ORDER BY queue;
