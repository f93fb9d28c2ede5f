-- Every test of a job's state that SQLite evaluates when a job changes state (the table's CHECK, the WHERE of each
-- partial index on state) is written as comparisons joined by OR instead of an IN list. SQLite codes a constant IN
-- list of more than two values as a small temporary index, built again in every statement that evaluates it: every
-- claim and completion paid for five of them (docs/benchmarks.md: a claim of 10 jobs about 15 % cheaper, a batch of
-- completions about 35 %). A statement that must use one of these indexes repeats its OR term exactly, or names one
-- state of it (state = 'dead' implies the OR).
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt: created anew, its rows copied, the old
-- one dropped and the new one renamed. The AUTOINCREMENT counter is carried over (never lower than before), so no
-- pruned job's id is ever given again.
CREATE TABLE jobs_rebuilt (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    queue               TEXT    NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    state               TEXT    NOT NULL CHECK (state = 'scheduled' OR state = 'available' OR state = 'running' OR state = 'retrying'
                                                OR state = 'succeeded' OR state = 'dead' OR state = 'cancelled'),
    priority            INTEGER NOT NULL CHECK (priority BETWEEN -1000000 AND 1000000),
    rank                REAL    NOT NULL,
    args                TEXT    NOT NULL,
    result              TEXT,
    error               TEXT,
    attempt             INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts        INTEGER NOT NULL CHECK (max_attempts >= 1),
    timeout_ms          INTEGER CHECK (timeout_ms > 0),
    backoff_initial_ms  INTEGER NOT NULL CHECK (backoff_initial_ms > 0),
    backoff_max_ms      INTEGER NOT NULL CHECK (backoff_max_ms >= backoff_initial_ms),
    backoff_jitter      REAL    NOT NULL CHECK (backoff_jitter BETWEEN 0 AND 1),
    unique_key          TEXT,
    created_at          INTEGER NOT NULL,
    run_at              INTEGER NOT NULL,
    expires_at          INTEGER,
    attempted_at        INTEGER,
    attempted_by        TEXT,
    lease_expires_at    INTEGER,
    cancel_requested_at INTEGER,
    finished_at         INTEGER
);

INSERT INTO jobs_rebuilt (id, kind, queue, state, priority, rank, args, result, error, attempt, max_attempts, timeout_ms,
                          backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at,
                          attempted_at, attempted_by, lease_expires_at, cancel_requested_at, finished_at)
SELECT id, kind, queue, state, priority, rank, args, result, error, attempt, max_attempts, timeout_ms,
       backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at,
       attempted_at, attempted_by, lease_expires_at, cancel_requested_at, finished_at
FROM jobs ORDER BY id;

-- The copy set the new table's counter to its highest id; the old counter may be higher (jobs pruned since).
INSERT INTO sqlite_sequence (name, seq)
SELECT 'jobs_rebuilt', seq FROM sqlite_sequence WHERE name = 'jobs' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs_rebuilt');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0))
WHERE name = 'jobs_rebuilt';

DROP TABLE jobs;
ALTER TABLE jobs_rebuilt RENAME TO jobs;

CREATE INDEX jobs_claim ON jobs (queue, rank DESC, run_at, id) WHERE state = 'available';
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'scheduled' OR state = 'retrying';
CREATE INDEX jobs_expiry ON jobs (expires_at) WHERE expires_at IS NOT NULL AND (state = 'scheduled' OR state = 'available' OR state = 'retrying');
CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'succeeded' OR state = 'dead' OR state = 'cancelled';
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;
-- The states a job rests in (migration 003): available and running jobs are counted and listed through jobs_claim and jobs_lease.
CREATE INDEX jobs_queue_state ON jobs (queue, state)
    WHERE state = 'scheduled' OR state = 'retrying' OR state = 'succeeded' OR state = 'dead' OR state = 'cancelled';
