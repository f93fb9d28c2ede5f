-- jobs_queue_state keeps only the states a job rests in. Every job passes through 'available' and 'running'
-- (enqueue, claim, completion); as entries of this index those two cost four index writes per job and the
-- pages they dirty (docs/benchmarks.md: the queue benchmark with and without them). Jobs in those
-- states are counted and listed through their own partial indexes instead: jobs_claim (available, by queue)
-- and jobs_lease (running: never more than the workers' slots). A statement uses this index only when its
-- WHERE repeats the index's term exactly (queue_stats.sql, the store's job listing).
DROP INDEX jobs_queue_state;
CREATE INDEX jobs_queue_state ON jobs (queue, state) WHERE state IN ('scheduled', 'retrying', 'succeeded', 'dead', 'cancelled');
