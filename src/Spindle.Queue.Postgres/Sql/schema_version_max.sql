SELECT coalesce(max(version), 0) FROM spindle_schema_version;
