-- Ids for a batch, in order, before it is written: each input row knows its id without relying on the
-- order of RETURNING. Unused ones (a unique key that matched) are gaps, as after any rollback.
SELECT nextval(pg_get_serial_sequence('spindle_jobs', 'id')) FROM generate_series(1, @count);
