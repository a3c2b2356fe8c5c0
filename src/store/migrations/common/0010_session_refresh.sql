-- A session holds its current refresh token (docs/internals/auth.md): the key (SHA-256 of the
-- token's secret) and when it expires. The token names its session, so a refresh finds it by id.
-- refresh_tokens now keeps only used tokens, to recognise their reuse; a sign-in writes no row
-- there, one b-tree insert and one index insert less per sign-in. Tokens issued before this
-- version do not name their session and are refused: their holders sign in again.
ALTER TABLE sessions ADD COLUMN refresh_key ${bytes} CHECK (refresh_key IS NULL OR length(refresh_key) = 32);
ALTER TABLE sessions ADD COLUMN refresh_expires_at ${int} NOT NULL DEFAULT 0;
DELETE FROM refresh_tokens WHERE used_at IS NULL;
