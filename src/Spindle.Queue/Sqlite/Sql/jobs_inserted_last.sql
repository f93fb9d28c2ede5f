-- The job the last INSERT of this connection added: its id and state.
SELECT id, state FROM jobs WHERE id = last_insert_rowid();
