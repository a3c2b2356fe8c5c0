-- The validation pipeline's records (docs/validation.md, "The pipeline as built"). Every step a
-- submission takes is one submission_events row with its inputs (detail); the AI assessments, the
-- validators, the review panels, the signed reviews, the disputes and the outcome an approved
-- submission leaves for the rewards engine. Shares (accuracy, confidence) are integers in parts
-- per million so both dialects keep them exactly; stakes are exact decimal token amounts.
CREATE TABLE submission_events (
  id ${id},
  submission_id ${int} NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 40),
  actor TEXT NOT NULL CHECK (actor IN ('submitter', 'creator', 'validator', 'admin', 'system')),
  actor_id ${int},
  at ${int} NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX submission_events_sub ON submission_events(submission_id, id);

CREATE TABLE assessments (
  id ${id},
  submission_id ${int} NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  assessor TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  scores TEXT NOT NULL DEFAULT '[]',
  overall INTEGER CHECK (overall BETWEEN 0 AND 100),
  confidence_ppm INTEGER CHECK (confidence_ppm BETWEEN 0 AND 1000000),
  feedback TEXT NOT NULL DEFAULT '',
  record TEXT NOT NULL DEFAULT '{}',
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  reason TEXT NOT NULL DEFAULT '',
  created_at ${int} NOT NULL
);
CREATE INDEX assessments_sub ON assessments(submission_id, id);

CREATE TABLE validators (
  id ${id},
  user_id ${int} NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  address ${bytes} NOT NULL UNIQUE CHECK (length(address) = 20),
  stake ${amount} NOT NULL,
  domains TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  accuracy_ppm INTEGER NOT NULL DEFAULT 1000000 CHECK (accuracy_ppm BETWEEN 0 AND 1000000),
  outlier_streak INTEGER NOT NULL DEFAULT 0 CHECK (outlier_streak >= 0),
  slashing_candidate INTEGER NOT NULL DEFAULT 0 CHECK (slashing_candidate IN (0, 1)),
  created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL
);

CREATE TABLE panels (
  submission_id ${int} NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  round INTEGER NOT NULL CHECK (round >= 0),
  validator_id ${int} NOT NULL REFERENCES validators(id),
  seat INTEGER NOT NULL CHECK (seat >= 0), -- drawing order within the round
  drawn_at ${int} NOT NULL,
  PRIMARY KEY (submission_id, round, validator_id),
  UNIQUE (submission_id, round, seat)
);
CREATE INDEX panels_validator ON panels(validator_id, submission_id);

CREATE TABLE reviews (
  id ${id},
  submission_id ${int} NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  round INTEGER NOT NULL CHECK (round >= 0),
  validator_id ${int} NOT NULL REFERENCES validators(id),
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  criteria TEXT NOT NULL DEFAULT '[]',
  feedback TEXT NOT NULL DEFAULT '',
  signature ${bytes} NOT NULL CHECK (length(signature) = 65),
  signer ${bytes} NOT NULL CHECK (length(signer) = 20),
  created_at ${int} NOT NULL,
  UNIQUE (submission_id, round, validator_id)
);

CREATE TABLE disputes (
  id ${id},
  submission_id ${int} NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  round INTEGER NOT NULL CHECK (round >= 1),
  opened_by ${int} NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL DEFAULT '',
  first_state TEXT NOT NULL,
  first_score INTEGER,
  outcome TEXT NOT NULL DEFAULT '',
  final_score INTEGER,
  created_at ${int} NOT NULL,
  resolved_at ${int},
  UNIQUE (submission_id, round)
);

-- What an approved submission leaves for the rewards engine, which sets consumed_at.
CREATE TABLE outcomes (
  submission_id ${int} PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
  user_id ${int} NOT NULL REFERENCES users(id),
  task_id ${int} NOT NULL REFERENCES tasks(id),
  final_score INTEGER NOT NULL CHECK (final_score BETWEEN 0 AND 100),
  skills TEXT NOT NULL DEFAULT '[]',
  created_at ${int} NOT NULL,
  consumed_at ${int}
);
