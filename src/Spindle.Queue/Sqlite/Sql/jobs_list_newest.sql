-- Keyset paging by id, newest first. Filters are optional (NULL matches everything).
SELECT * FROM jobs
WHERE (@cursor IS NULL OR id < @cursor)
  AND (@queue IS NULL OR queue = @queue)
  AND (@state IS NULL OR state = @state)
  AND (@kind IS NULL OR kind = @kind)
ORDER BY id DESC
LIMIT @limit;
