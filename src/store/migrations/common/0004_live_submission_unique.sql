-- One live (not rejected) submission per person per task, enforced by the database so that
-- concurrent submissions cannot both pass the application's check.
CREATE UNIQUE INDEX submissions_live ON submissions (task_id, user_id) WHERE state <> 'REJECTED';
