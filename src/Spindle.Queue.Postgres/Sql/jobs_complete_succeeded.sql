-- Fenced: a completion whose attempt is not the job's current running attempt changes nothing (no row). The claim's
-- time, when given, fences too: a claim a server crash forgot hands out its attempt number again (round_trip_claim).
-- Each row names the completion it recorded by its place in the arrays (n, from 1).
UPDATE spindle_jobs j SET
    state = 'succeeded',
    result = c.result,
    finished_at = @now,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[], @results::text[]) WITH ORDINALITY AS c(id, attempt, claimed_at, result, n)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
  AND (c.claimed_at IS NULL OR j.attempted_at = c.claimed_at)
RETURNING c.n, j.id, j.state;
