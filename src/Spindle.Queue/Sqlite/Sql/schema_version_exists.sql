-- Whether the file has a schema_version table yet (a new file has none).
SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version';
