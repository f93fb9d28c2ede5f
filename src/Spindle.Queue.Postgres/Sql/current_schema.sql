SELECT current_schema();
