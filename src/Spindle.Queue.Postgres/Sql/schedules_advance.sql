-- The compare-and-set of a firing: changes one row only if no one has moved next_run_at since it was read, nor set
-- the schedule again (a new template under the same cron keeps next_run_at, and the job must be the new one).
-- A concurrent firing of the same row waits for this transaction's row lock, then finds next_run_at moved.
UPDATE spindle_schedules SET next_run_at = @next_run_at::timestamptz, last_run_at = @occurrence
WHERE name = @name AND next_run_at = @expected AND updated_at = @expected_updated_at;
