-- Taken before a change of the aging rate re-ranks the waiting jobs: waits for every transaction that writes jobs
-- (and so may rank one under the old rate) to end, and keeps new ones out until the re-rank commits. Readers and
-- other claims' reads are not blocked by this mode's conflicts with reads; writers wait a moment.
LOCK TABLE spindle_jobs IN SHARE ROW EXCLUSIVE MODE;
