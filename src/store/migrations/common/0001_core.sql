-- Core records of PHEME (DESIGN §4), written once for both dialects (see cmake/embed_migrations.cmake).
-- Times are Unix milliseconds; addresses are
-- 20 bytes; token amounts are exact decimal text; JSON documents are text.
CREATE TABLE users (
  id ${id},
  address ${bytes} NOT NULL UNIQUE CHECK (length(address) = 20),
  display_name TEXT NOT NULL DEFAULT '',
  bio TEXT NOT NULL DEFAULT '',
  roles INTEGER NOT NULL DEFAULT 1,
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);

CREATE TABLE wallets (
  address ${bytes} PRIMARY KEY CHECK (length(address) = 20),
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  is_primary INTEGER NOT NULL DEFAULT 0,
  linked_at ${int} NOT NULL
);
CREATE INDEX wallets_user ON wallets(user_id);

CREATE TABLE api_keys (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash ${bytes} NOT NULL UNIQUE CHECK (length(hash) = 32),
  prefix TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'creator', 'validator', 'admin')),
  label TEXT NOT NULL DEFAULT '',
  created_at ${int} NOT NULL,
  revoked_at ${int}
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE skills (
  id ${id},
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  domain TEXT NOT NULL CHECK (domain IN ('technical', 'creative', 'business')),
  parent_id ${int} REFERENCES skills(id),
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE guilds (
  id ${id},
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('SKILL', 'GEO', 'INTEREST')),
  description TEXT NOT NULL DEFAULT '',
  owner_id ${int} NOT NULL REFERENCES users(id),
  member_count INTEGER NOT NULL DEFAULT 0,
  created_at ${int} NOT NULL
);

CREATE TABLE guild_members (
  guild_id ${int} NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('OWNER', 'MEMBER')),
  joined_at ${int} NOT NULL,
  PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX guild_members_user ON guild_members(user_id);

CREATE TABLE tasks (
  id ${id},
  type TEXT NOT NULL CHECK (type IN ('LESSON', 'BOUNTY', 'QUEST')),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  difficulty INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 10),
  xp_reward ${int} NOT NULL CHECK (xp_reward >= 0),
  token_reward ${sqlite:TEXT NOT NULL DEFAULT '0'|postgresql:NUMERIC(78,0) NOT NULL DEFAULT 0 CHECK (token_reward >= 0)},
  status TEXT NOT NULL CHECK (status IN ('DRAFT', 'OPEN', 'CLOSED')),
  creator_id ${int} NOT NULL REFERENCES users(id),
  guild_id ${int} REFERENCES guilds(id),
  deadline ${int},
  requirements TEXT NOT NULL DEFAULT '{}',
  validation TEXT NOT NULL DEFAULT '{}',
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);
CREATE INDEX tasks_status ON tasks(status, id);
CREATE INDEX tasks_type ON tasks(type, id);
CREATE INDEX tasks_difficulty ON tasks(difficulty, id);
CREATE INDEX tasks_creator ON tasks(creator_id, id);

CREATE TABLE task_skills (
  task_id ${int} NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  skill_id ${int} NOT NULL REFERENCES skills(id),
  min_level INTEGER NOT NULL DEFAULT 0 CHECK (min_level BETWEEN 0 AND 100),
  PRIMARY KEY (task_id, skill_id)
);
CREATE INDEX task_skills_skill ON task_skills(skill_id, task_id);

CREATE TABLE submissions (
  id ${id},
  task_id ${int} NOT NULL REFERENCES tasks(id),
  user_id ${int} NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL CHECK (state IN ('SUBMITTED', 'CHECKING', 'AI_REVIEW', 'PEER_REVIEW',
    'APPROVED', 'REJECTED', 'CHANGES_REQUESTED', 'DISPUTED', 'RESOLVED')),
  final_score INTEGER CHECK (final_score BETWEEN 0 AND 100),
  feedback TEXT NOT NULL DEFAULT '',
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);
CREATE INDEX submissions_user ON submissions(user_id, id);
CREATE INDEX submissions_task ON submissions(task_id, id);

CREATE TABLE skill_levels (
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  skill_id ${int} NOT NULL REFERENCES skills(id),
  xp ${int} NOT NULL DEFAULT 0,
  level INTEGER NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 100),
  last_validated ${int},
  PRIMARY KEY (user_id, skill_id)
);

CREATE TABLE badge_types (
  id ${id},
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  rarity TEXT NOT NULL CHECK (rarity IN ('COMMON', 'RARE', 'EPIC', 'LEGENDARY')),
  soulbound INTEGER NOT NULL DEFAULT 1,
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE badge_awards (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  badge_id ${int} NOT NULL REFERENCES badge_types(id),
  awarded_at ${int} NOT NULL,
  revoked_at ${int}
);
CREATE INDEX badge_awards_user ON badge_awards(user_id);

CREATE TABLE audit_log (
  id ${id},
  at ${int} NOT NULL,
  actor_id ${int},
  request_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id ${int},
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log(subject_type, subject_id);
