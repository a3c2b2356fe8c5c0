-- Badges as data and their issuance on chain (docs/badges.md), and the Skill Wallet progress the
-- server has sent to the chain.
--
-- A badge type (migration 0001) gains what PhemeBadges.createBadgeType takes (max supply,
-- validity) and what the server needs to award it: the metadata's content id, how it goes on
-- chain (a voucher the person claims, or minted by the relayer), the rule that earns it (JSON,
-- docs/badges.md "Rules") and whether it is still awarded. `supply` counts awards not revoked: the
-- award's transaction raises it only while it is below max_supply (0 = unlimited), so concurrent
-- awards cannot pass the cap (a row lock on PostgreSQL, the single writer on SQLite).
ALTER TABLE badge_types ADD COLUMN max_supply ${int} NOT NULL DEFAULT 0 CHECK (max_supply >= 0);
ALTER TABLE badge_types ADD COLUMN supply ${int} NOT NULL DEFAULT 0 CHECK (supply >= 0);
ALTER TABLE badge_types ADD COLUMN validity ${int} NOT NULL DEFAULT 0 CHECK (validity >= 0);
ALTER TABLE badge_types ADD COLUMN asset_cid TEXT NOT NULL DEFAULT '';
ALTER TABLE badge_types ADD COLUMN issuance TEXT NOT NULL DEFAULT 'voucher'
  CHECK (issuance IN ('voucher', 'mint'));
ALTER TABLE badge_types ADD COLUMN rule TEXT NOT NULL DEFAULT '{}';
ALTER TABLE badge_types ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
ALTER TABLE badge_types ADD COLUMN chain_intent_id ${int};  -- createBadgeType, when a chain is set
ALTER TABLE badge_types ADD COLUMN created_at ${int} NOT NULL DEFAULT 0;
ALTER TABLE badge_types ADD COLUMN updated_at ${int} NOT NULL DEFAULT 0;

-- An award: once per (person, badge type), ever — a revoked badge is not awarded again.
-- nonce: the voucher nonce (decimal uint256, random, usable once on chain); mint_intent_id /
-- revoke_intent_id: the chain outbox rows that mint or revoke it; expires_at: awarded_at +
-- validity (NULL: never).
ALTER TABLE badge_awards ADD COLUMN submission_id ${int} REFERENCES submissions(id);
ALTER TABLE badge_awards ADD COLUMN expires_at ${int};
ALTER TABLE badge_awards ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE badge_awards ADD COLUMN mint_intent_id ${int};
ALTER TABLE badge_awards ADD COLUMN revoke_intent_id ${int};
ALTER TABLE badge_awards ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE badge_awards ADD COLUMN voucher_issued_at ${int};
CREATE UNIQUE INDEX badge_awards_once ON badge_awards(user_id, badge_id);
CREATE INDEX badge_awards_badge ON badge_awards(badge_id, id);

-- The Skill Wallet of a person on a chain as far as the server asked for it: the mintFor intent
-- (NULL when the wallet was found already minted), and per skill the level and XP last sent in a
-- recordProgress batch, so the next batch carries only what changed.
CREATE TABLE chain_wallets (
  chain_id ${int} NOT NULL,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  address ${bytes} NOT NULL CHECK (length(address) = 20),
  mint_intent_id ${int},
  created_at ${int} NOT NULL,
  PRIMARY KEY (chain_id, user_id)
);
CREATE TABLE chain_skills (
  chain_id ${int} NOT NULL,
  skill_id ${int} NOT NULL REFERENCES skills(id),
  intent_id ${int} NOT NULL,   -- defineSkill
  PRIMARY KEY (chain_id, skill_id)
);
CREATE TABLE chain_progress (
  chain_id ${int} NOT NULL,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  skill_id ${int} NOT NULL REFERENCES skills(id),
  xp ${int} NOT NULL,
  level INTEGER NOT NULL,
  intent_id ${int} NOT NULL,   -- the recordProgress batch that carried it
  at ${int} NOT NULL,
  PRIMARY KEY (chain_id, user_id, skill_id)
);

-- The badge facts (store_badge_facts) read a person's approved work and, for first-of-kind, the
-- earliest approval of a task or a skill: without these, each evaluation would scan outcomes.
CREATE INDEX badges_outcomes_user ON outcomes(user_id, task_id);
CREATE INDEX badges_outcomes_task ON outcomes(task_id, created_at, submission_id);
