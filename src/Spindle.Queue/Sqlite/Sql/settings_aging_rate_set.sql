UPDATE queue_settings SET aging_rate = @aging_rate WHERE id = 1 AND aging_rate <> @aging_rate;
