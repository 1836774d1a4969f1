#!/usr/bin/env bash
# `lint` of folders with symbolic links: links are followed only to files
# and folders inside the repository (the folder given, outside one); a
# link elsewhere (/etc/passwd, ../../secret.sql, a folder) is an
# invalid-input finding naming it, and is never read; a folder reached by
# many links is walked once (a chain of folders each linking twice to the
# next used to take 2^depth visits), loops end.  Also for a layout folder.
. ../input-common/lib.sh
status=0
fail() { echo "FAIL: $*"; status=1; }
cd "$TMP" || exit 1
printf 'CREATE TABLE secret_outside (id int);\n' >secret.sql
mkdir -p w/repo/db w/repo/shared
cd w/repo || exit 1
cp "$GOOD" db/good.sql
printf 'CREATE TABLE s (id bigint);\n' >shared/s.sql
ln -s /etc/passwd db/passwd.sql
ln -s ../../../secret.sql db/secret.sql
ln -s /etc db/etc
ln -s ../shared db/shared_a
ln -s ../shared db/shared_b
ln -s . db/self
# a chain of 24 folders, each with two links to the next
for i in $(seq 1 24); do
	mkdir -p "chain/$i"
	ln -s "../$((i + 1))" "chain/$i/x"
	ln -s "../$((i + 1))" "chain/$i/y"
done
mkdir -p chain/25 && printf 'SELECT 1;\n' >chain/25/end.sql
ln -s ../chain/1 db/chain

run() { # OUT ARGS...
	local out=$1 rc=0
	shift
	timeout 30 "$GK" lint --format json "$@" >"$out" 2>"$out.err" || rc=$?
	[ $rc = 1 ] || { fail "lint $*: exit $rc"; cat "$out.err"; }
}
# Outside a repository: db is the limit.
run "$TMP/a.json" db
python3 - "$TMP/a.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
inv = {f["path"]: f["message"] for f in d["findings"] if f["rule_id"] == "invalid-input"}
for p, target in [("db/passwd.sql", "/etc/passwd"), ("db/etc", "/etc")]:
    assert p in inv and inv[p].startswith("symbolic link to " + target + ", outside ") and inv[p].endswith(": not read"), (p, inv)
assert "db/secret.sql" in inv and "secret.sql, outside" in inv["db/secret.sql"], inv
assert "db/shared_a" in inv and "db/chain" in inv, inv
PY
# In a repository: the shared folder and the chain are inside, each folder walked once.
git init -q .
run "$TMP/b.json" db
python3 - "$TMP/b.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
paths = [m["path"] for m in d["migrations"]]
inv = {f["path"]: f["message"] for f in d["findings"] if f["rule_id"] == "invalid-input"}
assert sorted(inv) == ["db/etc", "db/passwd.sql", "db/secret.sql"], inv
assert paths.count("db/shared_a/s.sql") == 1 and not any(p.startswith("db/shared_b") for p in paths), paths
assert sum(1 for p in paths if p.endswith("end.sql")) == 1, paths
assert not any("/self/" in p for p in paths), paths
PY
grep -q "secret_outside\|root:x:0" "$TMP/a.json" "$TMP/b.json" && fail "a file outside was read"
# The same links in a dbmate folder (layout reading).
mkdir -p dbm
printf -- '-- migrate:up\nCREATE TABLE a (id bigint);\n' >dbm/20240101000000_a.sql
printf -- '-- migrate:up\nCREATE TABLE b (id bigint);\n' >dbm/20240102000000_b.sql
ln -s /etc/passwd dbm/20240103000000_passwd.sql
ln -s . dbm/loop
run "$TMP/c.json" dbm
python3 - "$TMP/c.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
inv = {f["path"]: f["message"] for f in d["findings"] if f["rule_id"] == "invalid-input"}
assert list(inv) == ["dbm/20240103000000_passwd.sql"] and "/etc/passwd, outside" in inv["dbm/20240103000000_passwd.sql"], inv
PY
grep -q "root:x:0" "$TMP/c.json" && fail "dbm: /etc/passwd was read"
exit $status
