SELECT state FROM jobs WHERE id = @id;
