-- Fenced: a completion whose attempt is not the job's current running attempt changes nothing (no row). The claim's
-- time, when given, fences too: a claim a server crash forgot hands out its attempt number again (round_trip_claim).
UPDATE spindle_jobs j SET
    state = 'succeeded',
    result = c.result,
    finished_at = @now,
    lease_expires_at = NULL
FROM unnest(@ids::bigint[], @attempts::int[], @claimed_ats::timestamptz[], @results::text[]) AS c(id, attempt, claimed_at, result)
WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running'
  AND (c.claimed_at IS NULL OR j.attempted_at = c.claimed_at)
RETURNING j.id, j.attempted_at, j.state;
