-- Sign-in and sessions (DESIGN §5): single-use SIWE nonces, sessions with their
-- rotated refresh tokens (only SHA-256 hashes are stored), and the roles version that makes a
-- role change invalidate the access tokens issued before it.
CREATE TABLE auth_nonces (
  id ${id},
  nonce TEXT NOT NULL UNIQUE,
  address ${bytes} NOT NULL CHECK (length(address) = 20),
  chain_id ${int} NOT NULL,
  purpose INTEGER NOT NULL DEFAULT 0 CHECK (purpose IN (0, 1)),
  issued_at ${int} NOT NULL,
  expires_at ${int} NOT NULL,
  used_at ${int}
);
CREATE INDEX auth_nonces_address ON auth_nonces(address, id);
CREATE INDEX auth_nonces_expires ON auth_nonces(expires_at);

CREATE TABLE sessions (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  address ${bytes} NOT NULL CHECK (length(address) = 20),
  created_at ${int} NOT NULL,
  revoked_at ${int}
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE refresh_tokens (
  id ${id},
  session_id ${int} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  hash ${bytes} NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_at ${int} NOT NULL,
  expires_at ${int} NOT NULL,
  used_at ${int},
  revoked_at ${int}
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens(expires_at);

ALTER TABLE users ADD COLUMN roles_version ${int} NOT NULL DEFAULT 0;
