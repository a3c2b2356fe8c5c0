-- The rewards engine's state beyond the ledger of 0016 (src/game, docs/rewards.md): the person's
-- time zone (a fixed UTC offset, see docs/rewards.md "Streaks"), streaks, per-domain and guild
-- totals (derived from xp_ledger like user_xp), guild achievements, quest chains with their steps,
-- prerequisites and per-person progress, and each season's secret seed until it is revealed.

-- Minutes east of UTC (-720..840); 0 = UTC. An offset, not an IANA name: the day boundary is then
-- a pure function of the stored value (no process-wide TZ, no tz database version in the result).
ALTER TABLE users ADD COLUMN utc_offset_min INTEGER NOT NULL DEFAULT 0
  CHECK (utc_offset_min BETWEEN -720 AND 840);

-- Consecutive active days. Days are numbered in the person's offset: floor((ms + offset) / day).
CREATE TABLE streaks (
  user_id ${int} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  current INTEGER NOT NULL DEFAULT 0 CHECK (current >= 0),
  longest INTEGER NOT NULL DEFAULT 0 CHECK (longest >= 0),
  last_day ${int} NOT NULL DEFAULT 0,   -- the last active day (0: never)
  grace_day ${int} NOT NULL DEFAULT 0,  -- the last day a missed day was forgiven (0: never)
  updated_at ${int} NOT NULL
);

-- XP per person and skill domain (the domain_share rows of the ledger).
CREATE TABLE domain_xp (
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  domain TEXT NOT NULL,
  xp ${int} NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, domain)
);

-- A guild's XP (the ledger rows credited to it) and level.
CREATE TABLE guild_xp (
  guild_id ${int} PRIMARY KEY REFERENCES guilds(id) ON DELETE CASCADE,
  xp ${int} NOT NULL DEFAULT 0,
  level INTEGER NOT NULL DEFAULT 0 CHECK (level >= 0),
  updated_at ${int} NOT NULL
);
-- What each member brought to it.
CREATE TABLE guild_member_xp (
  guild_id ${int} NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  xp ${int} NOT NULL DEFAULT 0,
  PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX guild_member_xp_user ON guild_member_xp(user_id);

-- Milestones a guild reached (once each).
CREATE TABLE guild_achievements (
  id ${id},
  guild_id ${int} NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
  slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 64),
  reached_at ${int} NOT NULL,
  UNIQUE (guild_id, slug)
);

-- Quest chains: ordered steps, each a task; a task belongs to at most one quest.
CREATE TABLE quests (
  id ${id},
  slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  xp_reward ${int} NOT NULL DEFAULT 0 CHECK (xp_reward >= 0),
  created_at ${int} NOT NULL
);
CREATE TABLE quest_steps (
  quest_id ${int} NOT NULL REFERENCES quests(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 1),
  task_id ${int} NOT NULL UNIQUE REFERENCES tasks(id),
  PRIMARY KEY (quest_id, position)
);
-- A quest whose prerequisites are not all completed keeps every one of its steps locked.
CREATE TABLE quest_prerequisites (
  quest_id ${int} NOT NULL REFERENCES quests(id) ON DELETE CASCADE,
  requires_id ${int} NOT NULL REFERENCES quests(id),
  PRIMARY KEY (quest_id, requires_id),
  CHECK (quest_id <> requires_id)
);
CREATE TABLE quest_progress (
  quest_id ${int} NOT NULL REFERENCES quests(id) ON DELETE CASCADE,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  steps_done INTEGER NOT NULL DEFAULT 0 CHECK (steps_done >= 0),
  completed_at ${int},
  updated_at ${int} NOT NULL,
  PRIMARY KEY (quest_id, user_id)
);
CREATE INDEX quest_progress_user ON quest_progress(user_id);

-- The critical-hit seed of a season, kept here (never served) until the season is revealed,
-- when it is copied to seasons.seed.
CREATE TABLE season_secrets (
  season_id ${int} PRIMARY KEY REFERENCES seasons(id) ON DELETE CASCADE,
  seed ${bytes} NOT NULL CHECK (length(seed) = 32)
);
