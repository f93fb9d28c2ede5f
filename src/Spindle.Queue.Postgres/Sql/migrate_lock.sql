-- Held until the migration transaction ends: processes opening a new database at once queue here, and each
-- after the first finds nothing left to apply. Keyed by the schema, so stores in other schemas of the same
-- database do not wait for each other.
SELECT pg_advisory_xact_lock(hashtext('spindle'), hashtext(current_schema() || ':migrate'));
