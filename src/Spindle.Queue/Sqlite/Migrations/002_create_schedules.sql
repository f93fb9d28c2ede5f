-- Recurring jobs: one row per named schedule, with the job template each cron moment enqueues.
-- next_run_at is the compare-and-set point: a worker fires a schedule only by moving next_run_at from the value
-- it read, in the same transaction as the job's insert, so one moment enqueues one job however many workers run.
CREATE TABLE schedules (
    name                TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    cron                TEXT    NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    time_zone           TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    queue               TEXT    NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    priority            INTEGER NOT NULL CHECK (priority BETWEEN -1000000 AND 1000000),
    args                TEXT    NOT NULL,
    max_attempts        INTEGER NOT NULL CHECK (max_attempts >= 1),
    timeout_ms          INTEGER CHECK (timeout_ms > 0),
    backoff_initial_ms  INTEGER NOT NULL CHECK (backoff_initial_ms > 0),
    backoff_max_ms      INTEGER NOT NULL CHECK (backoff_max_ms >= backoff_initial_ms),
    backoff_jitter      REAL    NOT NULL CHECK (backoff_jitter BETWEEN 0 AND 1),
    next_run_at         INTEGER,
    last_run_at         INTEGER,
    last_job_id         INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) WITHOUT ROWID;
