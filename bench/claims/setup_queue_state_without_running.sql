-- spindle_jobs_queue_state without running jobs (the reverted migration 003 of commit 318903a).
DROP INDEX spindle_jobs_queue_state;
CREATE INDEX spindle_jobs_queue_state ON spindle_jobs (queue, state, id)
    WHERE state IN ('scheduled', 'available', 'retrying', 'succeeded', 'dead', 'cancelled');
