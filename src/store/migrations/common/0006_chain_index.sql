-- The chain indexer (DESIGN §5 "Indexing"). One cursor row per chain (the last
-- indexed block, its hash, and the lease of the one indexer elected to write it), the recent block
-- hashes for parent-hash checks and fork search, every log of the suite's contracts stored once
-- per (block hash, log index), the projections as entities (kind, key) and the undo journal that
-- rolls projections back to a fork point. See docs/internals/indexer.md.
CREATE TABLE chain_cursor (
  chain_id ${int} PRIMARY KEY,
  block_number ${int} NOT NULL,          -- last block whose logs and effects are committed; -1 none
  block_hash ${bytes} CHECK (block_hash IS NULL OR length(block_hash) = 32),
  undo_floor ${int} NOT NULL DEFAULT 0,  -- blocks >= this one can be rolled back
  owner TEXT,                             -- the elected indexer
  lease_until ${int} NOT NULL DEFAULT 0, -- Unix ms; another indexer may take over after it
  halted TEXT,                            -- why the indexer stopped (reorg past the depth), or NULL
  head_number ${int} NOT NULL DEFAULT -1, -- the node's head at the last step (lag = head - block)
  updated_at ${int} NOT NULL
);

CREATE TABLE chain_blocks (
  chain_id ${int} NOT NULL,
  number ${int} NOT NULL,
  hash ${bytes} NOT NULL CHECK (length(hash) = 32),
  parent_hash ${bytes} NOT NULL CHECK (length(parent_hash) = 32),
  PRIMARY KEY (chain_id, number)
);

CREATE TABLE chain_logs (
  chain_id ${int} NOT NULL,
  block_hash ${bytes} NOT NULL CHECK (length(block_hash) = 32),
  log_index ${int} NOT NULL,
  block_number ${int} NOT NULL,
  tx_hash ${bytes} NOT NULL CHECK (length(tx_hash) = 32),
  address ${bytes} NOT NULL CHECK (length(address) = 20),
  topics ${bytes} NOT NULL,                   -- 32 bytes per topic, topic0 first
  data ${bytes} NOT NULL,
  PRIMARY KEY (chain_id, block_hash, log_index)
);
CREATE INDEX chain_logs_block ON chain_logs(chain_id, block_number);

CREATE TABLE chain_entities (
  chain_id ${int} NOT NULL,
  kind TEXT NOT NULL,                     -- 'stake', 'proposal', 'badge_balance', …
  key TEXT NOT NULL,                      -- '0x…' address, decimal id, or 'a/b' composites
  owner ${bytes} CHECK (owner IS NULL OR length(owner) = 20), -- the address the entity belongs to
  amount TEXT,                            -- a uint256 as decimal text, exact
  data TEXT NOT NULL DEFAULT '{}',        -- JSON object, keys sorted
  ord ${int} NOT NULL,                   -- block * 2^20 + log index of creation (list order)
  block_number ${int} NOT NULL,          -- last change
  PRIMARY KEY (chain_id, kind, key)
);
CREATE INDEX chain_entities_owner ON chain_entities(chain_id, kind, owner);
CREATE INDEX chain_entities_ord ON chain_entities(chain_id, kind, ord);

CREATE TABLE chain_undo (
  chain_id ${int} NOT NULL,
  seq ${int} NOT NULL,
  block_number ${int} NOT NULL,          -- the block whose log made the change
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  existed ${int} NOT NULL,               -- 0: the entity did not exist before (undo deletes it)
  owner ${bytes},
  amount TEXT,
  data TEXT,
  ord ${int},
  prev_block ${int},
  PRIMARY KEY (chain_id, seq)
);
CREATE INDEX chain_undo_block ON chain_undo(chain_id, block_number);
