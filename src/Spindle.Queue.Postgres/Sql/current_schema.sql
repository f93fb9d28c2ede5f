-- The schema the store's tables go in (NULL when the search path names none that exists), and its notification
-- channel: hashed, because a channel name must stay under 64 bytes whatever the schema is called.
SELECT current_schema(), 'spindle_jobs_' || md5(coalesce(current_schema(), ''));
