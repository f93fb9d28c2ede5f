-- The jobs table without its CHECK constraints (the experiment "Dropping the table's CHECK constraints").
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'spindle_jobs'::regclass AND contype = 'c' LOOP
        EXECUTE format('ALTER TABLE spindle_jobs DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
