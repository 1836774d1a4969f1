-- A Prisma migration folder whose name ends in .sql (langfuse has such folders).
CREATE INDEX "users_email_idx" ON "users"("email");
