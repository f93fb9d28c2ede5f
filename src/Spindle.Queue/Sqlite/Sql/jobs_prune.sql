-- Finished jobs past their retention, a bounded batch at a time (jobs_finished index).
DELETE FROM jobs
WHERE id IN (
    SELECT id FROM jobs
    WHERE (state = 'succeeded' OR state = 'dead' OR state = 'cancelled')
      AND state IN (SELECT value FROM json_each(@states))
      AND finished_at < @finished_before
    LIMIT @limit);
