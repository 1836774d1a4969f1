#!/usr/bin/env bash
# Many paths, file by file (as `make bench` and a long history passed by
# a shell glob give them): the lint cuts them into chunks of 128, which two
# threads collect, each chunk into a batch of its own, appended in order.
# The report must be the one a single pass makes: migrations in the
# order given, each missing path an error in the order given, each file
# with its own repository's Prisma version, and a repository's broken
# package.json said once, although each chunk looked it up.
set -euo pipefail
mk() { # REPO N: a Prisma history of N migrations in the repository $TMP/REPO
	git init -q "$TMP/$1"
	for i in $(seq -w 1 "$2"); do
		mkdir -p "$TMP/$1/prisma/migrations/${i}_m"
		printf 'CREATE INDEX "i%s" ON "t" ("c");\n' "$i" >"$TMP/$1/prisma/migrations/${i}_m/migration.sql"
	done
}
mk broken 200
printf '{"devDependencies": {"prisma": \n' >"$TMP/broken/package.json"
mk pinned 100
printf '{"devDependencies": {"prisma": "5.22.0"}}\n' >"$TMP/pinned/package.json"
args=()
for f in "$TMP"/broken/prisma/migrations/*/migration.sql "$TMP"/pinned/prisma/migrations/*/migration.sql; do
	args+=("$f")
	# a missing path in the first chunk and in the second
	[ ${#args[@]} = 10 ] && args+=("$TMP/missing-first.sql")
	[ ${#args[@]} = 250 ] && args+=("$TMP/missing-second.sql")
done
[ ${#args[@]} = 302 ] || { echo "expected 302 paths, made ${#args[@]}"; exit 1; }
rc=0
"$GK" lint --no-config --format json "${args[@]}" >"$TMP/out.json" || rc=$?
[ $rc = 2 ] || { echo "exit $rc, expected 2 (two missing paths)"; exit 1; }
printf '%s\n' "${args[@]}" >"$TMP/args.txt"
python3 - "$TMP/out.json" "$TMP/args.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
given = open(sys.argv[2]).read().split("\n")[:-1]
missing = [p for p in given if "missing" in p]
assert [e["path"] for e in d["errors"]] == missing, d["errors"]
assert all(e["kind"] == "config" and e["message"] == "no such file or folder" for e in d["errors"]), d["errors"]
paths = [m["path"] for m in d["migrations"]]
assert paths == [p for p in given if "missing" not in p], "migrations out of order"
for m in d["migrations"]:
    want = "5.22.0" if "/pinned/" in m["path"] else None
    assert m["runner"]["version"] == want, (m["path"], m["runner"])
assert d.get("notes") == ["package.json does not parse as JSON"], d.get("notes")
assert {f["path"] for f in d["findings"]} == set(paths), "a file without its findings"
PY
