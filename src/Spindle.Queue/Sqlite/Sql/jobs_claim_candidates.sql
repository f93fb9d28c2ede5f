-- The best available jobs of one queue, in claim order: an index seek on jobs_claim.
SELECT id, rank, run_at FROM jobs
WHERE state = 'available' AND queue = @queue
ORDER BY rank DESC, run_at ASC, id ASC
LIMIT @limit;
