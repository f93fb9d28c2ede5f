-- Scheduled and retrying jobs whose time has come become available (spindle_jobs_due). Rows another claim is
-- promoting right now are skipped, not waited for: that claim promotes them. Their rank was computed from
-- run_at when they were written, so it already says how long they have been due.
-- Taken by primary key from an array, as in jobs_claim.sql: a seek per row under any plan.
UPDATE spindle_jobs SET state = 'available'
WHERE id = ANY(ARRAY(SELECT id FROM spindle_jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= @now FOR UPDATE SKIP LOCKED));
