SELECT * FROM spindle_jobs WHERE id = @id;
