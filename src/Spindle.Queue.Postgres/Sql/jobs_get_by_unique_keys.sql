SELECT unique_key, id, state, kind, queue FROM spindle_jobs WHERE unique_key = ANY(@unique_keys);
