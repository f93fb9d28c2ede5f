-- Finished jobs past their retention, a bounded batch at a time (spindle_jobs_finished).
DELETE FROM spindle_jobs
WHERE id IN (
    SELECT id FROM spindle_jobs
    WHERE state IN ('succeeded', 'dead', 'cancelled')
      AND state = ANY(@states)
      AND finished_at < @finished_before
    LIMIT @limit
    FOR UPDATE SKIP LOCKED);
