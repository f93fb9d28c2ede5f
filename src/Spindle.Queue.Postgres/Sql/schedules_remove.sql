DELETE FROM spindle_schedules WHERE name = @name;
