-- Reputation (DESIGN §5 "Reputation", docs/reputation.md): peer endorsements, the current score of
-- each person with the receipt that reproduces it, the history of changes, the EigenTrust snapshot
-- the scores were computed with, and the epochs published on chain (Merkle root, leaves, the
-- validators' round signatures). Scores are integers in micro-points (0..100000000 = 0..100) so both
-- dialects store them exactly; trust values are integers in parts per billion of the highest trust.
CREATE TABLE endorsements (
  id ${id},
  from_user ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  to_user ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  skill_id ${int} NOT NULL REFERENCES skills(id),
  -- the endorser's reputation (micro-points) when they endorsed: shown, not used by the formula,
  -- where the endorser's standing enters through EigenTrust
  weight ${int} NOT NULL DEFAULT 0 CHECK (weight >= 0),
  source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'chain')),
  created_at ${int} NOT NULL,
  CHECK (from_user <> to_user),
  UNIQUE (from_user, to_user, skill_id)
);
CREATE INDEX endorsements_to ON endorsements(to_user, id);

-- The EigenTrust result the current scores used (one row per person with trust > 0).
CREATE TABLE reputation_trust (
  user_id ${int} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  trust_ppb ${int} NOT NULL CHECK (trust_ppb BETWEEN 0 AND 1000000000),
  computed_at ${int} NOT NULL
);

CREATE TABLE reputation (
  user_id ${int} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  score ${int} NOT NULL CHECK (score BETWEEN 0 AND 100000000),
  technical ${int} NOT NULL DEFAULT 0,
  creative ${int} NOT NULL DEFAULT 0,
  business ${int} NOT NULL DEFAULT 0,
  formula_version TEXT NOT NULL,
  inputs_digest ${bytes} NOT NULL CHECK (length(inputs_digest) = 32),
  receipt TEXT NOT NULL DEFAULT '{}',
  as_of ${int} NOT NULL,
  computed_at ${int} NOT NULL
);
CREATE INDEX reputation_rank ON reputation(score DESC, user_id);

-- Append-only: one row each time a person's score or its inputs change.
CREATE TABLE reputation_history (
  id ${id},
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  score ${int} NOT NULL,
  previous ${int},
  formula_version TEXT NOT NULL,
  inputs_digest ${bytes} NOT NULL CHECK (length(inputs_digest) = 32),
  receipt TEXT NOT NULL DEFAULT '{}',
  as_of ${int} NOT NULL,
  computed_at ${int} NOT NULL
);
CREATE INDEX reputation_history_user ON reputation_history(user_id, id);

-- An epoch: every score (integer 0..100) committed to one Merkle tree; round is the oracle's round.
CREATE TABLE reputation_epochs (
  round ${int} PRIMARY KEY CHECK (round >= 1),
  root ${bytes} NOT NULL CHECK (length(root) = 32),
  leaves ${int} NOT NULL,
  status TEXT NOT NULL DEFAULT 'built' CHECK (status IN ('built', 'signed', 'sent', 'published')),
  intent_id ${int},
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);

CREATE TABLE reputation_epoch_leaves (
  round ${int} NOT NULL REFERENCES reputation_epochs(round) ON DELETE CASCADE,
  address ${bytes} NOT NULL CHECK (length(address) = 20),
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  PRIMARY KEY (round, address)
);

-- A validator's EIP-712 signature of a round (contracts/signing.json oracleRound).
CREATE TABLE reputation_round_signatures (
  round ${int} NOT NULL REFERENCES reputation_epochs(round) ON DELETE CASCADE,
  signer ${bytes} NOT NULL CHECK (length(signer) = 20),
  signature ${bytes} NOT NULL CHECK (length(signature) = 65),
  created_at ${int} NOT NULL,
  PRIMARY KEY (round, signer)
);
