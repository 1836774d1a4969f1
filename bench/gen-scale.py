#!/usr/bin/env python3
"""Inputs for bench/scale.sh, written under DIR.

usage: gen-scale.py history N DIR   N Prisma migrations of about 4 KB each in
                                    DIR/prisma/migrations (a table, its
                                    indexes, a foreign key added NOT VALID and
                                    validated, backfills, an enum value)
       gen-scale.py statements N FILE  one file of N statements of the same
                                    kinds, on a schema it builds as it goes
       gen-scale.py schema N FILE   SQL for a schema of N tables (identity
                                    keys, foreign keys, CHECKs, UNIQUEs,
                                    partial and expression indexes, enums, a
                                    domain, views, functions, triggers)

The output depends only on N, so runs compare.
"""
import os
import sys


def migration(k):
    """About 4 KB of SQL: what a busy project's migration looks like."""
    t, prev = "t%05d" % k, "t%05d" % (k - 1)
    out = ["-- Migration %d: the %s table and what uses it" % (k, t)]
    if k % 50 == 1:
        out.append("CREATE TYPE status%05d AS ENUM ('active', 'paused', 'deleted');" % k)
    out.append("""CREATE TABLE "%s" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "email" VARCHAR(320),
    "amount" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'active',
    "note" TEXT,
    "parentId" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "%s_pkey" PRIMARY KEY ("id")
);""" % (t, t))
    out.append('CREATE UNIQUE INDEX "%s_email_key" ON "%s"("email");' % (t, t))
    out.append('CREATE INDEX "%s_createdAt_idx" ON "%s"("createdAt");' % (t, t))
    out.append('CREATE INDEX "%s_name_idx" ON "%s"(lower("name")) WHERE "status" <> \'deleted\';' % (t, t))
    if k > 1:
        out.append('ALTER TABLE "%s" ADD CONSTRAINT "%s_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "%s"("id") '
                   'ON DELETE SET NULL ON UPDATE CASCADE NOT VALID;' % (t, t, prev))
        out.append('ALTER TABLE "%s" VALIDATE CONSTRAINT "%s_parentId_fkey";' % (t, t))
        out.append('CREATE INDEX "%s_parentId_idx" ON "%s"("parentId");' % (t, t))
        out.append('ALTER TABLE "%s" ADD COLUMN "child%d" TEXT;' % (prev, k))
        out.append('ALTER TABLE "%s" ADD CONSTRAINT "%s_amount_check" CHECK ("amount" >= 0) NOT VALID;' % (prev, prev))
        out.append('UPDATE "%s" SET "note" = \'migrated by %d\' WHERE "note" IS NULL AND "id" < 1000;' % (prev, k))
    for i in range(4):
        out.append('INSERT INTO "%s" ("name", "email", "amount", "updatedAt") VALUES (\'seed %d\', \'seed%d@example.com\', '
                   '%d.50, now());' % (t, i, i, i))
    out.append('COMMENT ON TABLE "%s" IS \'Rows of migration %d; see the application model for the fields.\';' % (t, k))
    out.append("-- " + "padding to a realistic size " * 83)
    return "\n".join(out) + "\n"


def history(n, root):
    mig = os.path.join(root, "prisma", "migrations")
    os.makedirs(mig, exist_ok=True)
    with open(os.path.join(mig, "migration_lock.toml"), "w") as f:
        f.write('provider = "postgresql"\n')
    for k in range(1, n + 1):
        d = os.path.join(mig, "2020%010d_m%05d" % (k, k))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "migration.sql"), "w") as f:
            f.write(migration(k))


def statements(n, path):
    """n statements in one file (a per-file runner: one transaction)."""
    kinds = [
        lambda i, t: 'CREATE TABLE %s (id bigint PRIMARY KEY, a int, b text NOT NULL DEFAULT \'\');' % t,
        lambda i, t: "ALTER TABLE %s ADD COLUMN c%d text;" % (t, i),
        lambda i, t: "CREATE INDEX %s_i%d ON %s (a, b);" % (t, i, t),
        lambda i, t: "UPDATE %s SET a = %d WHERE id = %d;" % (t, i, i),
        lambda i, t: "INSERT INTO %s (id, a, b) VALUES (%d, %d, 'v%d');" % (t, i, i, i),
        lambda i, t: "ALTER TABLE %s ADD CONSTRAINT %s_k%d CHECK (a > %d) NOT VALID;" % (t, t, i, -i),
        lambda i, t: "ALTER TYPE mood ADD VALUE 'v%d';" % i,
        lambda i, t: "SELECT count(*) FROM %s WHERE b IN ('x%d', 'y', 'z');" % (t, i),
    ]
    with open(path, "w") as f:
        f.write("CREATE TYPE mood AS ENUM ('a');\n")
        for i in range(1, n):
            t = "s%05d" % (i // 40)  # a new table every 40 statements
            f.write(kinds[0](i, t) if i % 40 == 0 else kinds[1 + i % 7](i, t))
            f.write("\n")


def schema(n, path):
    with open(path, "w") as f:
        w = lambda s: f.write(s + "\n")
        w("CREATE SCHEMA app;")
        for e in range(10):
            w("CREATE TYPE app.status%d AS ENUM ('active', 'paused', 'deleted', 'archived');" % e)
        w("CREATE DOMAIN app.email AS varchar(320) CHECK (VALUE LIKE '%@%');")
        w("CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); "
          "RETURN NEW; END $$;")
        for i in range(1, n + 1):
            t = "public.t%05d" % i
            fk = ",\n  parent_id bigint REFERENCES public.t%05d (id) ON DELETE SET NULL" % (i - 1) if i > 1 else ""
            w("""CREATE TABLE %s (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email app.email UNIQUE,
  status app.status%d NOT NULL DEFAULT 'active',
  amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  note varchar(200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz%s
);""" % (t, i % 10, fk))
            w("CREATE INDEX t%05d_created_idx ON %s (created_at);" % (i, t))
            w("CREATE INDEX t%05d_name_idx ON %s (lower(name)) WHERE status <> 'deleted';" % (i, t))
            if i > 1:
                w("CREATE INDEX t%05d_parent_idx ON %s (parent_id);" % (i, t))
            if i % 10 == 0:
                w("CREATE VIEW app.v%05d AS SELECT a.id, a.name, a.amount, b.name AS parent_name FROM %s a "
                  "LEFT JOIN public.t%05d b ON b.id = a.parent_id WHERE a.status <> 'deleted';" % (i, t, i - 1))
                w("CREATE FUNCTION app.total%05d(p_status app.status%d) RETURNS numeric LANGUAGE sql STABLE AS "
                  "$$ SELECT coalesce(sum(amount), 0) FROM %s WHERE status = p_status $$;" % (i, i % 10, t))
            if i % 20 == 0:
                w("CREATE TRIGGER t%05d_touch BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION app.touch();" % (i, t))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("history", "statements", "schema") or not argv[2].isdigit():
        sys.exit(__doc__)
    {"history": history, "statements": statements, "schema": schema}[argv[1]](int(argv[2]), argv[3])


if __name__ == "__main__":
    main(sys.argv)
