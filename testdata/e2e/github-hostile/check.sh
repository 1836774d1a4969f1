#!/usr/bin/env bash
# Hostile migrations (their names and SQL: '%', ',', ':', CR/LF,
# ::set-output, ::stop-commands::, terminal escapes, HTML and markdown)
# and 10,000 findings through the GitHub renderers:
#   - the log, read as the Actions runner reads it (runner.py), runs only
#     gatekeeper's commands, escaped, at most 10 annotations per level and
#     a closing notice that counts the rest;
#   - the pull request comment and the job summary, rendered by cmark-gfm
#     (GitHub's parser; html.py), hold only gatekeeper's elements, each
#     table row's cells are the migration's, an '@' in a name mentions
#     no one (a word joiner follows it), and they stay within 65,000
#     characters and 1 MiB, saying what they left out;
#   - the step outputs keep their values whole.
set -uo pipefail
status=0
fail() { echo "FAIL: $*"; status=1; }
here=$(pwd)
cd "$TMP" || exit 1
mkdir db
printf 'CREATE INDEX i1 ON t1 (a);\n' >'db/a%25,b:c::set-output name=x::y.sql'
printf 'CREATE INDEX i2 ON t2 (a);\n' >$'db/cr\r\n::error file=x::pwned\e[31m.sql'
printf 'CREATE INDEX i3 ON t3 (a);\n' >'db/::stop-commands::abc.sql'
printf 'CREATE INDEX i6 ON t6 (a);\n' >'db/@octo-org@team.sql'
printf 'CREATE INDEX i4 ON t4 (a);\n' >'db/<img src=x onerror=alert(1)>|[l](http:e)|`x`|<details open>.sql'
printf 'CREATE INDEX "i5\e[2J%%0A::error::x" ON "t</pre><script>alert(1)</script>|**b**" (a);\n' >db/sql.sql
printf 'ALTER TABLE "u" ADD COLUMN "c\r\n::add-mask::x <b>" varchar(10);\n' >db/crlf.sql
python3 - <<'PY'
with open("db/many.sql", "w") as f:
    for i in range(3400):
        f.write('CREATE INDEX i%d ON big (a);\nALTER TABLE big ADD COLUMN c%d varchar(10);\n' % (i, i))
        f.write('ALTER TABLE big ADD COLUMN t%d timestamp;\n' % i)
PY
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$TMP/summary.md" GITHUB_OUTPUT="$TMP/output.txt" \
	"$GK" lint --no-config --json report.json --markdown comment.md db >log.txt 2>err.txt
rc=$?
[ $rc = 1 ] || fail "exit $rc: $(head -3 err.txt)"
python3 -c '
import json, sys
r = json.load(open("report.json"))
n = r["summary"]["findings"]; by = r["summary"]["by_severity"]
assert n >= 10000 and min(by.values()) > 10, (n, by)' || fail "the hostile run does not have 10,000 findings of every severity"
python3 "$here/runner.py" log.txt report.json || fail "the GitHub log"

[ "$(head -1 comment.md)" = "<!-- gatekeeper:comment -->" ] || fail "the comment's first line is not the marker"
[ "$(wc -c <comment.md)" -le 65000 ] || fail "the comment is over 65,000 characters: $(wc -c <comment.md)"
[ "$(wc -c <summary.md)" -le $((1024 * 1024)) ] || fail "the job summary is over 1 MiB: $(wc -c <summary.md)"
grep -q '^_Left out to stay within the 65,000 characters' comment.md || fail "the comment does not say what it left out"
grep -q '^_Left out to stay within the 1 MiB' summary.md || fail "the job summary does not say what it left out"
if ! command -v cmark-gfm >/dev/null; then
	echo "SKIP: cmark-gfm is not installed (ci/install-deps.sh installs it): the comment is not rendered"
else
	for f in comment summary; do
		cmark-gfm --unsafe -e table -e autolink -e strikethrough $f.md >$f.html || fail "cmark-gfm $f"
		python3 "$here/render_check.py" $f.html $f-rows.json || fail "the $f's HTML"
		python3 - $f-rows.json <<'PY' || fail "the $f's migration table"
import json, sys
rows = json.load(open(sys.argv[1]))
r = json.load(open("report.json"))
count = {m["path"]: m["findings"] for m in r["migrations"]}
vis = lambda s: s.replace("\r", "\\r").replace("\n", "\\n").replace("\x1b", "\\x1b").replace("@", "@\u2060")
shown = {vis(p): n for p, n in count.items()}
table = [row for row in rows if len(row) == 6 and row[0] != "Migration"]
assert len(table) == len(count), (len(table), len(count))
for row in table:
    assert row[0] in shown, "a row's first cell is not a migration: %r" % row
    assert row[3].split(" ")[0] == str(shown[row[0]]), "cells shifted: %r" % row
    assert row[5] == "\u2014", row
PY
	done
fi
python3 - <<'PY' || fail "the step outputs"
import json, re
r = json.load(open("report.json"))
text = open("output.txt").read()
got = {k: v for k, v in re.findall(r"^([\w-]+)<<(?:ghadelimiter_[0-9a-f]{32})\n(.*?)\n(?:ghadelimiter_[0-9a-f]{32})\n", text, re.S | re.M)}
want = {"verdict": r["summary"]["verdict"], "exit-code": str(r["summary"]["exit_code"]),
        "findings": str(r["summary"]["findings"]), "blocking": str(r["summary"]["blocking"]),
        "report-json": "report.json", "report-markdown": "comment.md"}
assert got == want, (got, want)
PY
exit $status
