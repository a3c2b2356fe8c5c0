-- The durable job queue (docs/internals/jobs.md). One row per job; a job is claimed by a worker
-- with a lease (owner + expiry) and a fencing token (claims, which grows on every claim and is
-- never reset), so a worker that lost its lease cannot complete it. On PostgreSQL claims take rows
-- with FOR UPDATE SKIP LOCKED, so concurrent workers never wait on each other's rows.
CREATE TABLE jobs (
  id ${id},
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
  payload TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  claims ${int} NOT NULL DEFAULT 0,
  run_at ${int} NOT NULL,
  lease_owner TEXT,
  lease_expires_at ${int},
  last_error TEXT,
  idempotency_key TEXT,
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL,
  -- a lease exactly while running: "lease_expires_at > now" alone then means "running, lease live"
  CHECK ((state = 'running') = (lease_expires_at IS NOT NULL AND lease_owner IS NOT NULL))
);
-- what a claim reads: due jobs in order
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE state = 'queued';
-- what the reclaim reads: leases that may have expired
CREATE INDEX jobs_leases ON jobs(lease_expires_at) WHERE state = 'running';
-- dead letters, for operators and the metrics (queued and running ones have the indexes above;
-- done ones are not indexed by state: every index is one more write per state change)
-- idempotency keys: only the jobs that have one (a full unique index would also hold a NULL entry
-- for every job, written again on every claim and completion)
CREATE UNIQUE INDEX jobs_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_dead ON jobs(id) WHERE state = 'dead';
