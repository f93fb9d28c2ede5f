-- Counts per queue and state, of every queue (queue_stats_of_queue.sql: one queue).
SELECT queue, state, count(*) FROM spindle_jobs
GROUP BY queue, state
ORDER BY queue;
