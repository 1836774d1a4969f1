-- The good file every input-* case lints next to its bad input: one known finding.
CREATE INDEX users_email_idx ON users (email);
