SELECT id, state, kind, queue FROM jobs WHERE unique_key = @unique_key;
