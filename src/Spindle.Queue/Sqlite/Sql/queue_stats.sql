SELECT queue, state, count(*) FROM jobs
WHERE (@queue IS NULL OR queue = @queue)
GROUP BY queue, state
ORDER BY queue;
