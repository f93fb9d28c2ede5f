-- Counts per state of one queue: a range of spindle_jobs_queue_state (queue, state, id) under any plan.
SELECT queue, state, count(*) FROM spindle_jobs
WHERE queue = @queue
GROUP BY queue, state
ORDER BY queue;
