-- The job queue as a busy PHEME holds it (scripts/pg-scale.sh, after generate.sql): jobs_keep_done
-- (7 days) of done jobs, 2M here, and 10,000 queued for later (not due during the run), so the
-- workers' claims and lease sweeps are planned against a queue of realistic size.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
\timing on
INSERT INTO jobs (kind, payload, state, attempts, max_attempts, claims, run_at, created_at, updated_at)
SELECT (ARRAY['submission.check', 'game.award', 'webhooks.deliver', 'reputation.person'])[1 + i % 4],
       '{"submission_id":' || i || '}', 'done', 1, 5, 1, 1710000000000 + i, 1710000000000 + i, 1710000000000 + i
FROM generate_series(1, 2000000) AS i;
INSERT INTO jobs (kind, payload, state, max_attempts, run_at, created_at, updated_at)
SELECT 'webhooks.deliver', '{}', 'queued', 5, 4102444800000 + i, 1710000000000, 1710000000000
FROM generate_series(1, 10000) AS i;
VACUUM ANALYZE jobs;
