-- A statement with a syntax error does not hide the statements around it.
CREATE INDEX users_name_idx ON users (name);

ALTER TABLE users ADD COLUMN nickname text DEFALT 'x';

-- still linted after the error:
DROP TABLE sessions;
CREATE TABLE "Ünïcode" (id bigint); SELECT FROM FROM; DROP TABLE accounts;
