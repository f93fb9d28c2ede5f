-- A wake-up hint for listening workers, sent when the transaction commits (and once per queue, however many
-- jobs: PostgreSQL folds identical notifications of one transaction).
SELECT pg_notify(@channel, q) FROM unnest(@queues::text[]) AS q;
