-- Sign-in with fewer writes (docs/internals/auth.md): stateless nonces whose one use is recorded
-- in auth_nonce_uses (keyed by issue time first, swept by range); users.nonces_after makes logout
-- invalidate earlier nonces; refresh tokens keyed by their hash and refused through their
-- session's revocation (no per-token revocation, no index by session).
DROP TABLE auth_nonces;
CREATE TABLE auth_nonce_uses (id BYTEA PRIMARY KEY CHECK (length(id) = 14));
ALTER TABLE users ADD COLUMN nonces_after BIGINT NOT NULL DEFAULT 0;

DROP INDEX refresh_tokens_session;
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_pkey;
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_hash_key;
ALTER TABLE refresh_tokens DROP COLUMN id;
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
ALTER TABLE refresh_tokens ADD PRIMARY KEY (hash);
