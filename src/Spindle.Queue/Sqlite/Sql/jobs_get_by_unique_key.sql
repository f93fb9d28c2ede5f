SELECT id, state FROM jobs WHERE unique_key = @unique_key;
