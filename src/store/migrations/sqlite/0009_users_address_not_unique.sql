-- pheme: sqlite foreign keys off
-- users.address (the payout address) is no longer UNIQUE. Its unique index cost every new person
-- one more b-tree page, at a random place, on each sign-in (measured: about 11 µs of SQLite CPU per
-- person) and guarded nothing: the address is always one of the person's own wallets
-- (store_payout_set sets it only to one of them; the primary wallet cannot be unlinked), and
-- wallets.address, the key of wallets, already keeps an address to one person. Every lookup by
-- address goes through wallets.
--
-- SQLite cannot drop a constraint, so users is rebuilt with the same columns in the same order
-- (roles_version from 0003, nonces_after from 0008), defaults and checks, and keeps its ids. The
-- first line makes the runner do it with foreign keys off (dropping users would otherwise delete
-- every wallet, session, key, … of everyone) and check them all before committing (migrate.h).
CREATE TABLE users_v2 (
  id INTEGER PRIMARY KEY,
  address BLOB NOT NULL CHECK (length(address) = 20),
  display_name TEXT NOT NULL DEFAULT '',
  bio TEXT NOT NULL DEFAULT '',
  roles INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  roles_version INTEGER NOT NULL DEFAULT 0,
  nonces_after INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_v2 (id, address, display_name, bio, roles, created_at, updated_at, roles_version,
                      nonces_after)
  SELECT id, address, display_name, bio, roles, created_at, updated_at, roles_version, nonces_after
  FROM users;
DROP TABLE users;
ALTER TABLE users_v2 RENAME TO users;
