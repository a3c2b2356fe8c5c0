-- Chain writes (DESIGN §5 "Chain writes"), SQLite dialect: the outbox of intents a business change
-- writes in its own transaction, every signed attempt of each intent (all hashes are kept: a
-- receipt for any of them settles the intent), and one row per (chain, sender) holding the
-- sender's lease (which transaction manager may sign) and the next nonce to hand out.
CREATE TABLE chain_intents (
  id INTEGER PRIMARY KEY,
  chain_id INTEGER NOT NULL,
  sender BLOB NOT NULL CHECK (length(sender) = 20),
  to_address BLOB CHECK (to_address IS NULL OR length(to_address) = 20),
  value TEXT NOT NULL DEFAULT '0',
  calldata BLOB NOT NULL DEFAULT x'',
  gas_limit INTEGER NOT NULL DEFAULT 0 CHECK (gas_limit >= 0),
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'signed', 'sent', 'mined', 'confirmed', 'failed')),
  nonce INTEGER,
  tx_hash BLOB CHECK (tx_hash IS NULL OR length(tx_hash) = 32),
  block_number INTEGER,
  block_hash BLOB CHECK (block_hash IS NULL OR length(block_hash) = 32),
  receipt_status INTEGER,
  gas_used INTEGER,
  error_code TEXT,
  error_name TEXT,
  error_args TEXT,
  error_text TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (chain_id, sender, nonce)
);
CREATE INDEX chain_intents_open ON chain_intents(chain_id, sender, state, id);

CREATE TABLE chain_attempts (
  id INTEGER PRIMARY KEY,
  intent_id INTEGER NOT NULL REFERENCES chain_intents(id) ON DELETE CASCADE,
  nonce INTEGER NOT NULL,
  tx_hash BLOB NOT NULL UNIQUE CHECK (length(tx_hash) = 32),
  raw BLOB NOT NULL,
  max_fee TEXT NOT NULL,
  max_priority_fee TEXT NOT NULL,
  gas_limit INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'signed' CHECK (state IN ('signed', 'sent', 'replaced', 'mined')),
  signed_by TEXT NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE INDEX chain_attempts_intent ON chain_attempts(intent_id, id);

CREATE TABLE chain_senders (
  chain_id INTEGER NOT NULL,
  sender BLOB NOT NULL CHECK (length(sender) = 20),
  owner TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  next_nonce INTEGER NOT NULL DEFAULT 0 CHECK (next_nonce >= 0),
  PRIMARY KEY (chain_id, sender)
);
