-- Look-ups by e-mail got slow in production.
-- gatekeeper:ignore drop-table reason: the drop moved to 003
CREATE INDEX users_email_idx ON users (lower(email));

CREATE INDEX sessions_created_at_idx
    ON sessions (created_at);

ALTER TABLE users ADD COLUMN nickname varchar(40);
