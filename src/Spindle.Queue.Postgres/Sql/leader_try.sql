-- A session lock: held while this connection lives, so the leader's death (its connection closing) frees it.
SELECT pg_try_advisory_lock(hashtext('spindle'), hashtext(current_schema() || ':maintenance'));
