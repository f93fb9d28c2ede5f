-- Counts per queue and state, each part over its own index (migration 003): the resting states over
-- jobs_queue_state (the OR term repeats the index's own), available jobs over jobs_claim, running ones over
-- jobs_lease.
SELECT queue, state, count(*) FROM jobs
WHERE (state = 'scheduled' OR state = 'retrying' OR state = 'succeeded' OR state = 'dead' OR state = 'cancelled') AND (@queue IS NULL OR queue = @queue)
GROUP BY queue, state
UNION ALL
SELECT queue, 'available', count(*) FROM jobs
WHERE state = 'available' AND (@queue IS NULL OR queue = @queue)
GROUP BY queue
UNION ALL
SELECT queue, 'running', count(*) FROM jobs
WHERE state = 'running' AND (@queue IS NULL OR queue = @queue)
GROUP BY queue
ORDER BY queue;
