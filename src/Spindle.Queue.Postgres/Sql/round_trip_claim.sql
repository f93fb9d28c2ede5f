-- The first statement of the claim's round trip (promotion, expiry, the claim), for that implicit transaction only
-- (set_config's third argument; SET LOCAL would say the same without a result row, but PostgreSQL warns of it outside
-- an explicit transaction, in every call's notices and in the server's log):
-- * generic plans, planned once per connection: left to choose, PostgreSQL planned the claim anew on every call, at
--   more than the cost of running it (docs/benchmarks.md); every statement of the trip seeks under one (tests).
-- * no sequential scan of spindle_jobs: a generic plan made while the table is nearly empty (workers that start on an
--   empty queue plan their claim on its first calls) takes the rows of the array by scanning the table, and keeps
--   that plan for the connection's life, or until the table's next vacuum or analyze, however many jobs then
--   arrive: three scans of the whole table in every claim (docs/benchmarks.md). Every statement of the trip has an
--   index to seek with, so the setting only stops that guess.
-- * a commit that does not wait for the WAL to reach the disk, which on a durable server was most of a claim's time.
--   A server crash can forget the claims of its last moments (normally at most three wal_writer_delay), those no
--   later waited-for commit flushed: their jobs are available again with their earlier attempt number and run
--   again, at least once, as after a worker's death. Their next claim hands out the same attempt number, so
--   completions and heartbeats are fenced by the claim's time too (attempted_at, JobLease.ClaimedAt). Enqueues,
--   completions, heartbeats, cancels, retries and the leader's work still wait, and each flushes every claim before it.
SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true),
       set_config('synchronous_commit', 'off', true);
