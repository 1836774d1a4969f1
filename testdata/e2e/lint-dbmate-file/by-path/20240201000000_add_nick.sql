-- migrate:up
ALTER TABLE users ADD COLUMN nick text;

-- migrate:down
ALTER TABLE users DROP COLUMN nick;
DROP TABLE users;
