SELECT pg_advisory_unlock(hashtext('spindle'), hashtext(current_schema() || ':maintenance'));
