-- Finished jobs past their retention, a bounded batch at a time (spindle_jobs_finished).
-- Taken by primary key from an array, as in jobs_claim.sql: a seek per row under any plan; the oldest first, in
-- spindle_jobs_finished's order, so a generic plan walks that index instead of the table.
DELETE FROM spindle_jobs
WHERE id = ANY(ARRAY(
    SELECT id FROM spindle_jobs
    WHERE state IN ('succeeded', 'dead', 'cancelled')
      AND state = ANY(@states)
      AND finished_at < @finished_before
    ORDER BY finished_at
    LIMIT @limit
    FOR UPDATE SKIP LOCKED));
