-- Bulk data for the query plans of docs/operations.md ("Query plans at scale"), made in PostgreSQL
-- with generate_series (psql -v people=N -v submissions=M -v tasks=T). Every row satisfies the
-- schema's constraints; the shapes are what a grown PHEME would hold: each person has a wallet,
-- skill levels and an XP total; each submission a timeline row, an event, and when approved a
-- ledger row. Deterministic (no random()): a second run makes the same data.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';
-- the rows are made consistent by construction: the foreign keys' per-row triggers are skipped
-- (session_replication_role = replica) and checked once, in bulk, at the end
SET session_replication_role = replica;
-- and the secondary indexes of the tables filled here are dropped first and made again at the end
-- from their own definitions (a sorted build instead of 10M random insertions each); the
-- constraints' indexes (primary keys) stay
CREATE TEMP TABLE saved_indexes AS
  SELECT i.indexname, i.indexdef FROM pg_indexes i
  WHERE i.schemaname = 'public'
    AND i.tablename IN ('users', 'wallets', 'tasks', 'task_skills', 'submissions', 'submission_events', 'xp_ledger',
                        'user_xp', 'skill_levels', 'reputation', 'events')
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT indexname FROM saved_indexes LOOP EXECUTE format('DROP INDEX %I', r.indexname); END LOOP;
END $$;
\timing on

INSERT INTO users (id, address, display_name, created_at, updated_at)
SELECT i, decode(lpad(to_hex(i), 40, '0'), 'hex'), 'person ' || i, 1700000000000 + i, 1700000000000 + i
FROM generate_series(1, :people) AS i;
INSERT INTO wallets (address, user_id, is_primary, linked_at)
SELECT decode(lpad(to_hex(i), 40, '0'), 'hex'), i, 1, 1700000000000 + i FROM generate_series(1, :people) AS i;
SELECT setval(pg_get_serial_sequence('users', 'id'), :people);

INSERT INTO tasks (id, type, title, description, difficulty, xp_reward, status, creator_id, created_at, updated_at)
SELECT i, (ARRAY['LESSON', 'BOUNTY', 'QUEST'])[1 + i % 3], 'Task ' || i, 'What task ' || i || ' asks for.',
       1 + i % 10, 50 + (i % 20) * 25, CASE WHEN i % 10 < 8 THEN 'OPEN' WHEN i % 10 = 8 THEN 'CLOSED' ELSE 'DRAFT' END,
       1 + i % 1000, 1700000000000 + i * 10, 1700000000000 + i * 10
FROM generate_series(1, :tasks) AS i;
SELECT setval(pg_get_serial_sequence('tasks', 'id'), :tasks);
INSERT INTO task_skills (task_id, skill_id, min_level)
SELECT t, s, 0 FROM generate_series(1, :tasks) AS t,
  LATERAL (SELECT DISTINCT 1 + (t * k) % (SELECT count(*) FROM skills) AS s FROM (VALUES (7), (13)) AS m(k)) AS x;

-- submission i: person 1 + i % people, on task 1 + (31 * (i % people) + 7919 * (i / people)) % tasks
-- (a person never has two live submissions on one task, as submissions_live requires)
INSERT INTO submissions (id, task_id, user_id, text, state, final_score, created_at, updated_at)
SELECT i + 1, 1 + (31 * (i % :people) + 7919 * (i / :people)) % :tasks, 1 + i % :people,
       'Evidence and notes for submission ' || i,
       (ARRAY['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'REJECTED', 'SUBMITTED',
              'PEER_REVIEW', 'CHANGES_REQUESTED'])[1 + i % 10],
       CASE WHEN i % 10 < 7 THEN 40 + i % 60 END, 1710000000000 + i, 1710000000000 + i
FROM generate_series(0, :submissions - 1) AS i;
SELECT setval(pg_get_serial_sequence('submissions', 'id'), :submissions);

INSERT INTO submission_events (submission_id, from_state, to_state, event, actor, at)
SELECT i, 'NEW', 'SUBMITTED', 'submit', 'submitter', 1710000000000 + i FROM generate_series(1, :submissions) AS i;

INSERT INTO xp_ledger (user_id, skill_id, amount, reason, submission_id, at)
SELECT s.user_id, 1 + s.id % (SELECT count(*) FROM skills), 100, 'task', s.id, s.updated_at
FROM submissions s WHERE s.state = 'APPROVED';
INSERT INTO user_xp (user_id, xp, level, updated_at)
SELECT user_id, sum(amount), CASE WHEN sum(amount) >= 1000 THEN 'EXPERT' WHEN sum(amount) >= 300 THEN 'ADVANCED' ELSE 'NOVICE' END, max(at)
FROM xp_ledger GROUP BY user_id;
INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated)
SELECT user_id, skill_id, sum(amount), least(100, sum(amount) / 50)::int, max(at) FROM xp_ledger GROUP BY user_id, skill_id;

INSERT INTO reputation (user_id, score, formula_version, inputs_digest, as_of, computed_at)
SELECT user_id, least(xp * 1000, 100000000), 'v1', decode(md5(user_id::text) || md5((user_id + 1)::text), 'hex'), updated_at, updated_at
FROM user_xp;

INSERT INTO events (kind, user_id, public, subject_type, subject_id, data, at)
SELECT 'submission.submitted', 1 + (i - 1) % :people, 1, 'submission', i, '{"submission_id":' || i || '}', 1710000000000 + i
FROM generate_series(1, :submissions) AS i;

SET maintenance_work_mem = '1GB';
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT indexdef FROM saved_indexes LOOP EXECUTE r.indexdef; END LOOP;
END $$;
SELECT 'indexes made again', count(*) FROM saved_indexes;
SET session_replication_role = origin;
-- the foreign keys the triggers skipped, checked in bulk (each query must find nothing)
SELECT 'orphan submissions', count(*) FROM submissions s LEFT JOIN tasks t ON t.id = s.task_id LEFT JOIN users u ON u.id = s.user_id WHERE t.id IS NULL OR u.id IS NULL;
SELECT 'orphan ledger rows', count(*) FROM xp_ledger x LEFT JOIN submissions s ON s.id = x.submission_id WHERE s.id IS NULL;
VACUUM ANALYZE;
