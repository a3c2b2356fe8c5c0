-- The matching engine's records (docs/internals/matching.md).
--
-- matching_profiles: what a person says about taking work. available = 0 keeps them out of
-- candidate lists and assignments (they still see recommendations). A person without a row is
-- available.
CREATE TABLE matching_profiles (
  user_id ${int} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  available INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
  updated_at ${int} NOT NULL
);

-- An assignment proposal: the Hungarian algorithm's one-to-one assignment of applicants to a
-- creator's open bounties (POST /api/v1/tasks/assign). pairs is a JSON array of
-- {"taskId", "userId", "fit"}; status PROPOSED until the creator confirms it (CONFIRMED) or a
-- later proposal or confirmation makes it STALE.
CREATE TABLE matching_proposals (
  id ${id},
  creator_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  pairs TEXT NOT NULL DEFAULT '[]',
  total_fit ${int} NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('PROPOSED', 'CONFIRMED', 'STALE')),
  created_at ${int} NOT NULL,
  confirmed_at ${int}
);
CREATE INDEX matching_proposals_creator ON matching_proposals(creator_id, id);

-- Who a bounty is assigned to: one person per task, written when a proposal is confirmed.
CREATE TABLE task_assignments (
  task_id ${int} PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  proposal_id ${int} NOT NULL REFERENCES matching_proposals(id),
  fit ${int} NOT NULL,
  assigned_at ${int} NOT NULL
);
CREATE INDEX task_assignments_user ON task_assignments(user_id);
