-- spindle_jobs_queue_state leaves out running jobs. Every job is claimed at least once, and PostgreSQL writes a new
-- entry into every index whose predicate the new row version matches: as entries of this index, running jobs cost
-- an index insert at every claim (docs/benchmarks.md: five alternating pairs of queue benchmarks, fewer CPU seconds
-- and more jobs a second in every pair without them). Running jobs, never more than the workers' slots, are counted
-- and listed through spindle_jobs_lease instead. Available jobs stay, so that a queue's waiting jobs are still
-- listed in id order from this index (leaving them out too saved an insert at every enqueue, but made that listing
-- sort the queue's whole backlog, or scan the table under a generic plan).
-- The index is built again inside the migration's transaction, which holds off writes to the table meanwhile:
-- upgrade while the queue is quiet, and stop workers of older builds first.
DROP INDEX spindle_jobs_queue_state;
CREATE INDEX spindle_jobs_queue_state ON spindle_jobs (queue, state, id)
    WHERE state IN ('scheduled', 'available', 'retrying', 'succeeded', 'dead', 'cancelled');
