-- Chain writes (DESIGN §5 "Chain writes"): the outbox of intents a business change writes in its
-- own transaction, every signed attempt of each intent (all hashes are kept: a
-- receipt for any of them settles the intent), and one row per (chain, sender) holding the
-- sender's lease (which transaction manager may sign) and the next nonce to hand out.
CREATE TABLE chain_intents (
  id ${id},
  chain_id ${int} NOT NULL,
  sender ${bytes} NOT NULL CHECK (length(sender) = 20),
  to_address ${bytes} CHECK (to_address IS NULL OR length(to_address) = 20),
  value ${sqlite:TEXT NOT NULL DEFAULT '0'|postgresql:NUMERIC(78,0) NOT NULL DEFAULT 0 CHECK (value >= 0)},
  calldata ${bytes} NOT NULL DEFAULT ${sqlite:x''|postgresql:'\x'},
  gas_limit ${int} NOT NULL DEFAULT 0 CHECK (gas_limit >= 0),
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'signed', 'sent', 'mined', 'confirmed', 'failed')),
  nonce ${int},
  tx_hash ${bytes} CHECK (tx_hash IS NULL OR length(tx_hash) = 32),
  block_number ${int},
  block_hash ${bytes} CHECK (block_hash IS NULL OR length(block_hash) = 32),
  receipt_status INTEGER,
  gas_used ${int},
  error_code TEXT,
  error_name TEXT,
  error_args TEXT,
  error_text TEXT,
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL,
  UNIQUE (chain_id, sender, nonce)
);
CREATE INDEX chain_intents_open ON chain_intents(chain_id, sender, state, id);

CREATE TABLE chain_attempts (
  id ${id},
  intent_id ${int} NOT NULL REFERENCES chain_intents(id) ON DELETE CASCADE,
  nonce ${int} NOT NULL,
  tx_hash ${bytes} NOT NULL UNIQUE CHECK (length(tx_hash) = 32),
  raw ${bytes} NOT NULL,
  max_fee ${amount} NOT NULL,
  max_priority_fee ${amount} NOT NULL,
  gas_limit ${int} NOT NULL,
  state TEXT NOT NULL DEFAULT 'signed' CHECK (state IN ('signed', 'sent', 'replaced', 'mined')),
  signed_by TEXT NOT NULL,
  last_error TEXT,
  created_at ${int} NOT NULL,
  sent_at ${int}
);
CREATE INDEX chain_attempts_intent ON chain_attempts(intent_id, id);

CREATE TABLE chain_senders (
  chain_id ${int} NOT NULL,
  sender ${bytes} NOT NULL CHECK (length(sender) = 20),
  owner TEXT NOT NULL DEFAULT '',
  lease_expires_at ${int} NOT NULL DEFAULT 0,
  next_nonce ${int} NOT NULL DEFAULT 0 CHECK (next_nonce >= 0),
  PRIMARY KEY (chain_id, sender)
);
