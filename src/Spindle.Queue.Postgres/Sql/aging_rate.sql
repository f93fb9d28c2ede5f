-- FOR SHARE: a rate change waits for this insert, so every rank it writes is under one rate.
SELECT aging_rate FROM spindle_queue_settings WHERE id = 1 FOR SHARE;
