-- pheme: sqlite foreign keys off
-- A submission may be ESCALATED: no consensus at the panel's limit (or a dispute that its panel
-- cannot settle) sends it to an admin (the submission transition table, src/work/states.c and
-- docs/internals/work.md). The state's CHECK gains that one name.
--
-- SQLite cannot change a CHECK, so submissions is rebuilt with the same columns in the same order,
-- defaults and checks, and keeps its ids; its indexes (0001, 0004) are made again. Foreign keys are
-- off while it is rebuilt and checked before the commit (migrate.h).
CREATE TABLE submissions_v2 (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL CHECK (state IN ('SUBMITTED', 'CHECKING', 'AI_REVIEW', 'PEER_REVIEW',
    'APPROVED', 'REJECTED', 'CHANGES_REQUESTED', 'DISPUTED', 'RESOLVED', 'ESCALATED')),
  final_score INTEGER CHECK (final_score BETWEEN 0 AND 100),
  feedback TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO submissions_v2 (id, task_id, user_id, text, evidence, state, final_score, feedback,
                            created_at, updated_at)
  SELECT id, task_id, user_id, text, evidence, state, final_score, feedback, created_at, updated_at
  FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_v2 RENAME TO submissions;
CREATE INDEX submissions_user ON submissions(user_id, id);
CREATE INDEX submissions_task ON submissions(task_id, id);
CREATE UNIQUE INDEX submissions_live ON submissions (task_id, user_id) WHERE state <> 'REJECTED';
