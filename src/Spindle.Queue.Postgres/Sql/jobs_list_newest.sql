-- Keyset paging by id, newest first. Filters are optional (NULL matches everything).
SELECT * FROM spindle_jobs
WHERE (@cursor::bigint IS NULL OR id < @cursor)
  AND (@queue::text IS NULL OR queue = @queue)
  AND (@state::text IS NULL OR state = @state)
  AND (@kind::text IS NULL OR kind = @kind)
ORDER BY id DESC
LIMIT @limit;
