SELECT * FROM spindle_schedules ORDER BY name COLLATE "C";
