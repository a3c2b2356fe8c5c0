-- The XP ledger (DESIGN §5 "Rewards", docs/rewards.md): append-only, never updated in place. Totals
-- (user_xp, skill_levels, guild and season boards) are derived from it and can be rebuilt from it
-- (`pheme game rebuild`). One approved submission gives its rows exactly once: the unique index
-- below makes a second award of the same (submission, reason, skill) fail inside its transaction.
CREATE TABLE seasons (
  id ${id},
  slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  name TEXT NOT NULL,
  starts_at ${int} NOT NULL,
  ends_at ${int} NOT NULL CHECK (ends_at > starts_at),
  -- keccak256 of the critical-hit seed, published when the season opens; the seed itself is
  -- revealed (seed not NULL) once the season has ended, so every critical hit can be re-checked.
  seed_hash ${bytes} NOT NULL CHECK (length(seed_hash) = 32),
  seed ${bytes} CHECK (seed IS NULL OR length(seed) = 32),
  created_at ${int} NOT NULL
);

CREATE TABLE xp_ledger (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  skill_id ${int} REFERENCES skills(id),   -- NULL: counts to the person's total only
  guild_id ${int} REFERENCES guilds(id),   -- the guild credited with it, if any
  season_id ${int} REFERENCES seasons(id), -- the season it counts for, if any
  amount ${int} NOT NULL,
  -- task, critical, quest, streak, parent_share, domain_share, adjustment
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 32),
  submission_id ${int} REFERENCES submissions(id),
  rule TEXT NOT NULL DEFAULT '',           -- the rule or quest that gave it, when not a submission
  detail TEXT NOT NULL DEFAULT '{}',       -- every factor of the computation (JSON)
  at ${int} NOT NULL
);
CREATE INDEX xp_ledger_user ON xp_ledger(user_id, id);
CREATE INDEX xp_ledger_season ON xp_ledger(season_id, user_id);
CREATE INDEX xp_ledger_guild ON xp_ledger(guild_id, user_id);
CREATE UNIQUE INDEX xp_ledger_once ON xp_ledger(submission_id, reason, coalesce(skill_id, 0))
  WHERE submission_id IS NOT NULL;

-- A person's totals, derived from the ledger (skill_levels holds the per-skill ones).
CREATE TABLE user_xp (
  user_id ${int} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  xp ${int} NOT NULL DEFAULT 0,
  level TEXT NOT NULL DEFAULT 'NOVICE' CHECK (level IN ('NOVICE', 'ADVANCED', 'EXPERT', 'MASTER')),
  updated_at ${int} NOT NULL
);
CREATE INDEX user_xp_rank ON user_xp(xp DESC, user_id);
