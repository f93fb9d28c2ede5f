-- The jobs table and the indexes that keep every hot statement an index seek.
-- Times are Unix milliseconds (UTC), always written from the caller's TimeProvider, never the database clock.
-- rank = priority - aging_rate * (seconds from 2025-01-01 to run_at): ordering by rank descending is ordering
-- by effective priority (priority + aging_rate * seconds waited) at any common "now", so the claim index can
-- hold it and aging costs nothing at claim time.
CREATE TABLE jobs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused after a prune
    kind                TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    queue               TEXT    NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    state               TEXT    NOT NULL CHECK (state IN ('scheduled', 'available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled')),
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

-- Claim: the best available jobs of one queue, in claim order.
CREATE INDEX jobs_claim ON jobs (queue, rank DESC, run_at, id) WHERE state = 'available';
-- Promotion: scheduled and retrying jobs that are due.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('scheduled', 'retrying');
-- Expiry: waiting jobs past their expires_at.
CREATE INDEX jobs_expiry ON jobs (expires_at) WHERE expires_at IS NOT NULL AND state IN ('scheduled', 'available', 'retrying');
-- Rescue: running jobs whose lease ran out.
CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state = 'running';
-- Prune: finished jobs by finish time.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'dead', 'cancelled');
-- Idempotent enqueue.
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;
-- Stats and listing by queue and state.
CREATE INDEX jobs_queue_state ON jobs (queue, state);

-- One row of database-wide settings that every client and worker must share.
CREATE TABLE queue_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    aging_rate REAL NOT NULL CHECK (aging_rate BETWEEN 0 AND 1000000)
);
INSERT INTO queue_settings (id, aging_rate) VALUES (1, 1.0);
