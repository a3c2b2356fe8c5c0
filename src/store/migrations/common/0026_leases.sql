-- Named leases (store/lease.h): work that must run once at a time across every process on this
-- database takes one by name. Its holder keeps it until lease_until and renews it while it works;
-- a holder that died frees it when that time passes. The first user is the full reputation
-- recompute (src/reputation/engine.c): two at once had the later one's trust refresh fail on the
-- earlier one's rows, and an older snapshot's scores could be saved over a newer one's.
CREATE TABLE leases (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100),
  owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
  lease_until ${int} NOT NULL,
  taken_at ${int} NOT NULL
);
