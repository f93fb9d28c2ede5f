CREATE TABLE IF NOT EXISTS spindle_schema_version (
    version    integer PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
);
