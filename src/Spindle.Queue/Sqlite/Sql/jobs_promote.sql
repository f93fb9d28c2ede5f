-- Scheduled and retrying jobs whose time has come become available (jobs_due index). Their rank was
-- computed from run_at when they were written, so it already says how long they have been due.
UPDATE jobs SET state = 'available'
WHERE (state = 'scheduled' OR state = 'retrying') AND run_at <= @now;
