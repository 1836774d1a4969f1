-- Hand-edited to avoid blocking writes, but Prisma sends the whole file as
-- one query: two statements run in one implicit transaction, where
-- CREATE INDEX CONCURRENTLY is not allowed.
-- CreateIndex
CREATE INDEX CONCURRENTLY "Post_published_createdAt_idx" ON "Post"("published", "createdAt");

-- CreateIndex
CREATE INDEX CONCURRENTLY "Comment_postId_idx" ON "Comment"("postId");
