-- Events out (docs/internals/events.md): the commit order of the event outbox, webhooks and their
-- delivery log.
--
-- events.txid: on PostgreSQL the id of the transaction that wrote the row (pg_current_xact_id),
-- so readers can tell rows that are final from rows an older transaction may still add below
-- them: identity ids are taken at INSERT, not at COMMIT, so "id > N" alone skips a row committed
-- late. Readers go in (txid, id) order and only below the oldest transaction still running
-- (pg_snapshot_xmin). On SQLite the one writer commits in id order: txid stays 0 and (txid, id)
-- is id order.
ALTER TABLE events ADD COLUMN txid ${int} NOT NULL DEFAULT ${sqlite:0|postgresql:(pg_current_xact_id()::text::bigint)};
CREATE INDEX events_order ON events(txid, id);

-- A person's webhook: events of the listed kinds that the person may see (public ones and their
-- own private ones) are POSTed to url, signed with secret (HMAC-SHA256; shown once at creation).
CREATE TABLE webhooks (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  events TEXT NOT NULL,            -- kinds, comma-separated, each sorted once ("*": every kind)
  secret TEXT NOT NULL,            -- "whsec_" + 64 hex
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);
CREATE INDEX webhooks_user ON webhooks(user_id, id);

-- One row per attempt to deliver one event to one webhook.
CREATE TABLE webhook_deliveries (
  id ${id},
  webhook_id ${int} NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id ${int} NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'refused')),
  status INTEGER NOT NULL DEFAULT 0,  -- the receiver's HTTP status; 0 = none
  error TEXT NOT NULL DEFAULT '',
  duration_ms ${int} NOT NULL DEFAULT 0,
  at ${int} NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);

-- How far a durable consumer of the outbox (the webhook fan-out) has read, in (txid, id) order.
CREATE TABLE event_cursors (
  name TEXT PRIMARY KEY,
  txid ${int} NOT NULL,
  event_id ${int} NOT NULL,
  updated_at ${int} NOT NULL
);
