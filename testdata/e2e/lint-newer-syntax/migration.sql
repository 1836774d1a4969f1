-- The first table of Lemmy's migrations/2025-08-01-000016_smoosh-tables-together/up.sql:
-- CREATE TABLE ... AS over a subquery without an alias (PostgreSQL 16 syntax).
-- comment_actions
CREATE TABLE comment_actions AS
SELECT
    max(liked) AS liked,
    max(saved) AS saved,
    person_id,
    comment_id,
    max(like_score) = 1 AS vote_is_upvote -- `null = 1` returns null
FROM (
    SELECT
        person_id,
        comment_id,
        score AS like_score,
        published AS liked,
        NULL::timestamptz AS saved
    FROM
        comment_like
    UNION ALL
    SELECT
        person_id,
        comment_id,
        NULL::int,
        NULL::timestamptz,
        published
    FROM
        comment_saved)
GROUP BY
    person_id,
    comment_id;

-- Drop the tables
DROP TABLE comment_saved, comment_like;

-- Add the constraints
ALTER TABLE comment_actions
    ALTER COLUMN person_id SET NOT NULL,
    ALTER COLUMN comment_id SET NOT NULL,
    ADD PRIMARY KEY (person_id, comment_id),
    ADD CONSTRAINT comment_actions_person_id_fkey FOREIGN KEY (person_id) REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE,
    ADD CONSTRAINT comment_actions_comment_id_fkey FOREIGN KEY (comment_id) REFERENCES COMMENT ON UPDATE CASCADE ON DELETE CASCADE,
    ADD CONSTRAINT comment_actions_check_liked CHECK (((liked IS NULL) = (vote_is_upvote IS NULL)));

-- Create new indexes, with `OR` being used to allow `IS NOT NULL` filters in queries to use either column in
-- a group (e.g. `liked IS NOT NULL` and `vote_is_upvote IS NOT NULL` both work)
CREATE INDEX idx_comment_actions_person ON comment_actions (person_id);

CREATE INDEX idx_comment_actions_comment ON comment_actions (comment_id);

CREATE INDEX idx_comment_actions_liked_not_null ON comment_actions (person_id, comment_id)
WHERE
    liked IS NOT NULL OR vote_is_upvote IS NOT NULL;

CREATE INDEX idx_comment_actions_saved_not_null ON comment_actions (person_id, comment_id)
WHERE
    saved IS NOT NULL;
