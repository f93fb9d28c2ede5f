-- A wake-up hint for listening workers, sent when the transaction commits (and once per queue, however many
-- jobs: PostgreSQL folds identical notifications of one transaction). The channel is the schema's (see
-- current_schema.sql), so it is right on any connection working in the store's schema.
SELECT pg_notify('spindle_jobs_' || md5(current_schema()), q) FROM unnest(@queues::text[]) AS q;
