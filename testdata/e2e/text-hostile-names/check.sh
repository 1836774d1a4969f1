#!/usr/bin/env bash
# Control characters from file names, SQL identifiers, commit authors and
# subjects never reach the text report or stderr raw: they are shown as
# \xNN / \n escapes, and no line of the output can start a CI log command
# (::error::, ::add-mask::, ##[...]).  File names that are not UTF-8 stay
# distinct in JSON (\xNN, backslash doubled) and JUnit stays well-formed.
set -uo pipefail
status=0
fail() { echo "FAIL: $*"; status=1; }
cd "$TMP" || exit 1
mkdir db
evil=$'db/evil\e[31m\n::error::pwned.sql'
printf 'CREATE INDEX i ON "t\e[2J\n::add-mask::x" (a);\n' >"$evil"
printf 'SELECT 1;\n' >$'db/::stop-commands::tok.sql'
printf 'CREATE INDEX i ON t (a);\n' >$'db/a\xff.sql'
printf 'CREATE INDEX i ON t (a);\n' >$'db/a\xfe.sql'

# no_raw FILE: no ESC, BEL or CR; no line that starts (after blanks) with "::" or "##[".
no_raw() {
	python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
assert b"\x1b" not in data and b"\x07" not in data and b"\r" not in data, data[:400]
for line in data.split(b"\n"):
    s = line.lstrip()
    assert not s.startswith(b"::") and not s.startswith(b"##["), line
PY
}
"$GK" lint --format text db >out.txt 2>err.txt; rc=$?
[ $rc = 1 ] || fail "lint text: exit $rc"
no_raw out.txt || fail "text report carries raw control characters or a log command"
grep -qF 'db/evil\x1b[31m\n::error::pwned.sql:1:1:' out.txt || fail "escaped file name missing: $(head -3 out.txt)"
grep -qF 't\x1b[2J\n::add-mask::x' out.txt || fail "escaped identifier missing"
grep -qF './db/::stop-commands::tok.sql' out.txt && fail "a path in the middle of a line got ./"
printf 'CREATE INDEX i ON t (a);\n' >'::stop-commands::x.sql'
"$GK" lint --format text $'::stop-commands::x.sql' >out2.txt 2>&1
grep -q '^\./::stop-commands::x.sql:1:1:' out2.txt || fail "a path starting a line is not guarded: $(head -2 out2.txt)"
no_raw out2.txt || fail "a path at the start of a line starts a log command"
# A missing path is a usage error naming it: never at the start of a line either.
"$GK" lint --format text $'::stop-commands::y.sql' >out3.txt 2>&1; rc=$?
[ $rc = 2 ] || fail "missing path: exit $rc"
grep -qF '::stop-commands::y.sql' out3.txt || fail "missing path not named: $(head -2 out3.txt)"
no_raw out3.txt || fail "a missing path starts a log command"

# stderr: a usage error quoting the command line.
"$GK" lint --rule $'x\e[2J\n::error::y=off' db >/dev/null 2>err.txt; rc=$?
[ $rc = 2 ] || fail "--rule: exit $rc"
no_raw err.txt || fail "stderr carries raw control characters"
grep -qF 'x\x1b[2J\n::error::y' err.txt || fail "stderr: $(cat err.txt)"

# JSON: two names differing in one invalid byte stay two names; JUnit is well-formed.
"$GK" lint --format json --json r.json --junit r.xml db >/dev/null 2>&1
python3 - r.json <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
paths = sorted(m["path"] for m in d["migrations"])
assert "db/a\\xff.sql" in paths and "db/a\\xfe.sql" in paths, paths
assert "db/evil\x1b[31m\n::error::pwned.sql" in paths, paths   # valid UTF-8: as is, JSON escapes it
def decode(p):  # the documented escape: \\ and \xNN
    out, i = bytearray(), 0
    while i < len(p):
        if p[i] == "\\" and p[i + 1] == "\\": out += b"\\"; i += 2
        elif p[i] == "\\" and p[i + 1] == "x": out.append(int(p[i + 2:i + 4], 16)); i += 4
        else: out += p[i].encode(); i += 1
    return bytes(out)
assert decode("db/a\\xff.sql") == b"db/a\xff.sql"
msgs = [f["message"] for f in d["findings"] if f["path"] == "db/a\\xff.sql"]
assert msgs, d["findings"]
PY
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' r.xml || fail "JUnit not well-formed"
grep -q 'a\\xff.sql' r.xml && grep -q 'a\\xfe.sql' r.xml || fail "JUnit collapsed the names"

# check: a commit author and subject with control characters.
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com \
	GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
git init -q -b main repo && cd repo || exit 1
mkdir -p db && printf 'CREATE TABLE t (a int);\n' >db/001_init.sql
git add -A && git commit -qm init
git switch -qc feature
printf 'CREATE INDEX i ON t (a);\n' >db/002_index.sql
git add -A
GIT_AUTHOR_NAME=$'Eve \e]0;x\a' GIT_AUTHOR_EMAIL=eve@example.com git commit -qm $'add index \e[2J' ||
	fail "git commit"
"$GK" check --base main --no-replay db >../check.txt 2>&1
no_raw ../check.txt || fail "check text carries raw control characters"
grep -qF 'Eve \x1b]0;x' ../check.txt && grep -qF 'add index \x1b[2J' ../check.txt || fail "author not shown escaped: $(grep -a 002_index ../check.txt)"
exit $status
