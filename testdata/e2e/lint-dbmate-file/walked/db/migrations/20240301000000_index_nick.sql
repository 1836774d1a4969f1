-- An index built without blocking writes.
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_nick_idx ON users (nick);

-- migrate:down
this is not sql
