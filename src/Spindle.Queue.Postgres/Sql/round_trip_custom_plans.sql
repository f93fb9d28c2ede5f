-- The first statement of the completions' and the heartbeat's round trips: custom plans, planned for each batch's
-- arrays (unnest), whose length a generic plan cannot know (it guesses ten rows, and may walk every running job for
-- each element). Their commits wait as the server says: a completion's result may be read at once, and a heartbeat's
-- flush makes the claims before it durable.
SELECT set_config('plan_cache_mode', 'force_custom_plan', true);
