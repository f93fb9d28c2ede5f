-- A new aging rate re-ranks every waiting job in the same transaction: ranks written under the old rate
-- would otherwise sort against new ones as if they had waited for decades (or not at all).
UPDATE queue_settings SET aging_rate = @aging_rate WHERE id = 1 AND aging_rate <> @aging_rate;
UPDATE jobs SET rank = priority - @aging_rate * ((max(run_at, created_at) - 1735689600000) / 1000.0)
WHERE (state = 'scheduled' OR state = 'available' OR state = 'retrying') AND changes() > 0;
