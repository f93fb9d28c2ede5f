-- Counts per state of one queue, each part over its own index as in queue_stats.sql: a range of
-- spindle_jobs_queue_state (queue, state, id), and the running jobs.
SELECT queue, state, count(*) FROM spindle_jobs
WHERE state IN ('scheduled', 'available', 'retrying', 'succeeded', 'dead', 'cancelled') AND queue = @queue
GROUP BY queue, state
UNION ALL
SELECT queue, 'running', count(*) FROM spindle_jobs
WHERE state = 'running' AND queue = @queue
GROUP BY queue
ORDER BY queue;
