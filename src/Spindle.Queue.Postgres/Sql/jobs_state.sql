SELECT state FROM spindle_jobs WHERE id = @id;
