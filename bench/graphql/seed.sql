-- The nested-query benchmark's data, on top of `pheme seed bench --users 2000 --tasks 400`
-- (bench/graphql/nested.sh): for every person 3 skill levels, 2 badges, a guild membership and
-- 12 approved submissions, each with 3 validators' reviews. Written straight into the SQLite
-- file both servers read (a benchmark's fixture, not an application write).
INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated)
  SELECT u.id, s.id, 100 * (u.id % 7) + s.id, 1 + (u.id + s.id) % 20, 1765000000000
  FROM users u JOIN (SELECT id FROM skills ORDER BY id LIMIT 3) s;
INSERT INTO badge_types (slug, name, rarity, soulbound, description) VALUES
  ('bench-first', 'First steps', 'COMMON', 1, ''), ('bench-rare', 'Rare find', 'RARE', 1, '');
INSERT INTO badge_awards (user_id, badge_id, awarded_at)
  SELECT u.id, b.id, 1765000000000 + u.id FROM users u JOIN badge_types b ON b.slug LIKE 'bench-%';
INSERT INTO guilds (slug, name, type, description, owner_id, member_count, created_at)
  VALUES ('bench-guild', 'Bench guild', 'SKILL', '', 1, (SELECT count(*) FROM users), 1765000000000);
INSERT INTO guild_members (guild_id, user_id, role, joined_at)
  SELECT (SELECT id FROM guilds WHERE slug = 'bench-guild'), u.id, CASE WHEN u.id = 1 THEN 'OWNER' ELSE 'MEMBER' END, 1765000000000
  FROM users u;
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 11)
INSERT INTO submissions (task_id, user_id, text, evidence, state, final_score, feedback, created_at, updated_at)
  SELECT 1 + ((u.id * 7 + k.n) % (SELECT count(*) FROM tasks)), u.id, 'The work, described.', '[]', 'APPROVED', 80,
         '', 1765000000000 + k.n, 1765000000000 + k.n
  FROM users u JOIN k;
INSERT INTO validators (user_id, address, stake, domains, status, created_at, updated_at)
  SELECT id, address, '1000000000000000000', '["technical"]', 'active', 1765000000000, 1765000000000
  FROM users WHERE id <= 3;
INSERT INTO reviews (submission_id, round, validator_id, score, criteria, feedback, signature, signer, created_at)
  SELECT s.id, 0, v.id, 70 + (s.id + v.id) % 30, '[]', 'ok', zeroblob(65), v.address, s.created_at
  FROM submissions s JOIN validators v;
