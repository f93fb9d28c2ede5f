UPDATE spindle_schedules SET last_job_id = @job_id WHERE name = @name;
