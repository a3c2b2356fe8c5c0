-- The reviews of a set of submissions without a visit to each review's row: the GraphQL batch read
-- (store/graphql_batch.c, GQLS_REVIEWS_BRIEF: a nested query's `reviews { round score }`) and the
-- submission views read them by submission_id, and on SQLite each row found through the UNIQUE
-- (submission_id, round, validator_id) index then cost a seek in the table's b-tree for its score
-- and time: 30 of those were an eighth of the nested-query benchmark's instructions
-- (bench/graphql/RESULTS.md). This index holds those columns too (the id is the rowid on SQLite),
-- in the unique index's order, so the read is answered from the index alone. A review is written
-- once per validator and round; the second index costs that one insert.
CREATE INDEX reviews_by_submission ON reviews(submission_id, round, validator_id, score, created_at);
