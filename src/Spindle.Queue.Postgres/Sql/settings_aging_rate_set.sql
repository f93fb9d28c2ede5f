-- A new aging rate re-ranks every waiting job in the same transaction: ranks written under the old rate
-- would otherwise sort against new ones as if they had waited for decades (or not at all).
WITH changed AS (
    UPDATE spindle_queue_settings SET aging_rate = @aging_rate WHERE id = 1 AND aging_rate <> @aging_rate RETURNING id
)
UPDATE spindle_jobs SET rank = priority - @aging_rate * (extract(epoch FROM greatest(run_at, created_at))::float8 - 1735689600)
WHERE state IN ('scheduled', 'available', 'retrying') AND EXISTS (SELECT 1 FROM changed);
