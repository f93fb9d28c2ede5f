-- Scheduled and retrying jobs whose time has come become available (spindle_jobs_due). Rows another claim is
-- promoting right now are skipped, not waited for: that claim promotes them. Their rank was computed from
-- run_at when they were written, so it already says how long they have been due.
-- Taken by primary key from an array, as in jobs_claim.sql: a seek per row under any plan. The earliest due first,
-- at most 1,000 a call, in the index's order: a generic plan then walks spindle_jobs_due from its start and stops,
-- however large the backlog of scheduled jobs (without an order and a bound it guesses a third of them due and may
-- scan the table on every claim). A larger wave falling due at once is promoted over the next claims.
UPDATE spindle_jobs SET state = 'available'
WHERE id = ANY(ARRAY(SELECT id FROM spindle_jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= @now
                     ORDER BY run_at LIMIT 1000 FOR UPDATE SKIP LOCKED));
