SET lock_timeout = '2s';
DROP TABLE old_users;
CREATE INDEX users_email_idx ON users (email);
