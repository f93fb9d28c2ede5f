-- Recurring jobs: one row per named schedule, with the job template each cron moment enqueues.
-- next_run_at is the compare-and-set point: a worker fires a schedule only by moving next_run_at from the value
-- it read, in the same transaction as the job's insert, so one moment enqueues one job however many workers run.
CREATE TABLE spindle_schedules (
    name                text    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    cron                text    NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    time_zone           text    NOT NULL,
    kind                text    NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    queue               text    NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    priority            integer NOT NULL CHECK (priority BETWEEN -1000000 AND 1000000),
    args                text    NOT NULL,
    max_attempts        integer NOT NULL CHECK (max_attempts >= 1),
    timeout_ms          bigint  CHECK (timeout_ms > 0),
    backoff_initial_ms  bigint  NOT NULL CHECK (backoff_initial_ms > 0),
    backoff_max_ms      bigint  NOT NULL CHECK (backoff_max_ms >= backoff_initial_ms),
    backoff_jitter      double precision NOT NULL CHECK (backoff_jitter BETWEEN 0 AND 1),
    next_run_at         timestamptz,
    last_run_at         timestamptz,
    last_job_id         bigint,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
