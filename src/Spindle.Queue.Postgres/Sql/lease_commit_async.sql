-- Put first in a claim's or a heartbeat's batch (one implicit transaction): this transaction commits without
-- waiting for its WAL to reach the disk. Only leases are written this way. If the server crashes, leases it granted
-- or extended in its last moments may be forgotten; those jobs are then claimed and run again, as after a worker
-- crash (at-least-once). Enqueues, completions, cancels and retries still commit durably, and each of them also
-- makes durable every lease written before it.
SET LOCAL synchronous_commit = off;
