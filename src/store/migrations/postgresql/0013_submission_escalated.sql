-- A submission may be ESCALATED: no consensus at the panel's limit (or a dispute that its panel
-- cannot settle) sends it to an admin (the submission transition table, src/work/states.c and
-- docs/internals/work.md). The state's CHECK (named by PostgreSQL after the column, 0001) gains
-- that one name.
ALTER TABLE submissions DROP CONSTRAINT submissions_state_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_state_check CHECK (state IN ('SUBMITTED',
  'CHECKING', 'AI_REVIEW', 'PEER_REVIEW', 'APPROVED', 'REJECTED', 'CHANGES_REQUESTED', 'DISPUTED',
  'RESOLVED', 'ESCALATED'));
