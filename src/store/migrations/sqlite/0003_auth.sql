-- Sign-in and sessions (DESIGN §5), SQLite dialect: single-use SIWE nonces, sessions with their
-- rotated refresh tokens (only SHA-256 hashes are stored), and the roles version that makes a
-- role change invalidate the access tokens issued before it.
CREATE TABLE auth_nonces (
  id INTEGER PRIMARY KEY,
  nonce TEXT NOT NULL UNIQUE,
  address BLOB NOT NULL CHECK (length(address) = 20),
  chain_id INTEGER NOT NULL,
  purpose INTEGER NOT NULL DEFAULT 0 CHECK (purpose IN (0, 1)),
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX auth_nonces_address ON auth_nonces(address, id);
CREATE INDEX auth_nonces_expires ON auth_nonces(expires_at);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  address BLOB NOT NULL CHECK (length(address) = 20),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens(expires_at);

ALTER TABLE users ADD COLUMN roles_version INTEGER NOT NULL DEFAULT 0;
