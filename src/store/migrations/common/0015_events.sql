-- The domain event outbox (DESIGN §5 "Events"): every domain change (a submission's state, XP
-- awarded, a level up, a badge, a streak, a chain confirmation) writes one row here in the same
-- transaction as the change itself (sx_event, store/internal.h). Deliverers (SSE, WebSocket,
-- webhooks, GraphQL subscriptions) read the rows in id order and never change them.
--
-- kind: dotted, lower case, "<subject>.<what happened>" ("submission.approved", "xp.awarded").
-- user_id: the person the event is about, or NULL. public = 0 means only that person (and admins)
-- may see it; 1 means anyone may.
CREATE TABLE events (
  id ${id},
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 3 AND 64),
  user_id ${int} REFERENCES users(id) ON DELETE CASCADE,
  public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
  subject_type TEXT NOT NULL DEFAULT '',
  subject_id ${int},
  data TEXT NOT NULL DEFAULT '{}',
  at ${int} NOT NULL
);
CREATE INDEX events_user ON events(user_id, id);
CREATE INDEX events_kind ON events(kind, id);
