-- The compare-and-set of a firing: changes one row only if no one has moved next_run_at since it was read.
UPDATE schedules SET next_run_at = @next_run_at, last_run_at = @occurrence
WHERE name = @name AND next_run_at = @expected;
