-- A wake-up hint for listening workers, sent when the transaction commits (and once per queue, however many
-- jobs: PostgreSQL folds identical notifications of one transaction).
-- The channel is the schema's (PostgresArrivals.ChannelOf), so it is right on any connection of the store's schema.
SELECT pg_notify('spindle_jobs.' || current_schema(), q) FROM unnest(@queues::text[]) AS q;
