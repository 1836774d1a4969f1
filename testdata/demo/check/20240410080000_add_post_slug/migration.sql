-- Used by the check part of `make demo` only: a migration that applies,
-- but whose locks and rewrite the replay observes on the existing "Post".

-- CreateIndex
CREATE INDEX "Post_title_idx" ON "Post"("title");

-- AlterTable
ALTER TABLE "Post" ADD COLUMN "slug" TEXT;

-- AlterTable
ALTER TABLE "Post" ADD COLUMN "publicId" UUID NOT NULL DEFAULT gen_random_uuid();
