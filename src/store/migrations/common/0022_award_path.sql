-- pheme: sqlite foreign keys off
-- The award path's writes (docs/rewards.md "What an award writes"): every index and foreign key
-- an award pays for per row must be read by a query or guard something nothing else guards.
-- Measured on the award benchmark (bench/RESULTS.md, "Award path"), each ledger row paid for five
-- indexes and five foreign-key checks, each event for four indexes. Dropped here:
--
-- * xp_ledger_season, xp_ledger_guild: no query reads the ledger by season or guild (the boards
--   are rebuilt by a scan in user_id order, store/leaderboard.c; `pheme game rebuild` reads the
--   whole ledger).
-- * xp_ledger_once, narrowed to the 'task' rows: every award of a submission writes at least one
--   task row (one per skill, or one without a skill), so a second award of the same submission
--   still fails inside its transaction, as does the outcome's consumed_at guard before it; the
--   share, critical and quest rows of an award no longer each pay for an entry.
-- * The ledger's references to skills, guilds, seasons and submissions: the award writes ids it
--   read in the same transaction, and no code deletes a skill, guild, season or submission. The
--   reference to users stays (a person's deletion still takes their ledger with it).
-- * events_user, events_kind: every reader of events goes by id, or on PostgreSQL by (txid, id)
--   (store/events_read.c); the kind and person filters run in memory. On SQLite txid is always 0
--   and readers go by id alone, so events_order is dropped there too.
-- * user_xp_rank: the leaderboards are held in memory (src/game/rank.c); no query orders user_xp.
--
-- SQLite cannot drop a foreign key: xp_ledger is rebuilt with the same columns in the same order
-- and keeps its ids (the first line makes the runner do it with foreign keys off and check them
-- before committing, migrate.h). PostgreSQL drops the constraints by their default names.
DROP INDEX xp_ledger_season;
DROP INDEX xp_ledger_guild;
DROP INDEX xp_ledger_once;
DROP INDEX xp_ledger_user;
-- sqlite| CREATE TABLE xp_ledger_v2 (
-- sqlite|   id INTEGER PRIMARY KEY,
-- sqlite|   user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
-- sqlite|   skill_id INTEGER,
-- sqlite|   guild_id INTEGER,
-- sqlite|   season_id INTEGER,
-- sqlite|   amount INTEGER NOT NULL,
-- sqlite|   reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 32),
-- sqlite|   submission_id INTEGER,
-- sqlite|   rule TEXT NOT NULL DEFAULT '',
-- sqlite|   detail TEXT NOT NULL DEFAULT '{}',
-- sqlite|   at INTEGER NOT NULL
-- sqlite| );
-- sqlite| INSERT INTO xp_ledger_v2 (id, user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, detail, at)
-- sqlite|   SELECT id, user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, detail, at FROM xp_ledger;
-- sqlite| DROP TABLE xp_ledger;
-- sqlite| ALTER TABLE xp_ledger_v2 RENAME TO xp_ledger;
-- postgresql| ALTER TABLE xp_ledger DROP CONSTRAINT xp_ledger_skill_id_fkey,
-- postgresql|   DROP CONSTRAINT xp_ledger_guild_id_fkey, DROP CONSTRAINT xp_ledger_season_id_fkey,
-- postgresql|   DROP CONSTRAINT xp_ledger_submission_id_fkey;
CREATE INDEX xp_ledger_user ON xp_ledger(user_id, id);
CREATE UNIQUE INDEX xp_ledger_once ON xp_ledger(submission_id, coalesce(skill_id, 0))
  WHERE reason = 'task' AND submission_id IS NOT NULL;
DROP INDEX events_user;
DROP INDEX events_kind;
-- sqlite| DROP INDEX events_order;
DROP INDEX user_xp_rank;
