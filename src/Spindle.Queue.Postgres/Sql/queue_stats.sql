SELECT queue, state, count(*) FROM spindle_jobs
WHERE (@queue::text IS NULL OR queue = @queue)
GROUP BY queue, state
ORDER BY queue;
