#!/usr/bin/env bash
# The GitHub renderers on the demo project (testdata/demo), against goldens:
#   expected.github      --format github (the random token written TOKEN)
#   expected.md          --markdown FILE, the pull request comment
#   expected-summary.md  the job summary ($GITHUB_STEP_SUMMARY)
#   expected-output.txt  the step outputs ($GITHUB_OUTPUT, the random
#                        delimiter written DELIM, this run's folder TMP)
# GitHub Actions (GITHUB_ACTIONS=true) turns it all on, --no-github off,
# and an explicit --format wins.  UPDATE=1 rewrites the goldens (read the
# diff before committing).
set -uo pipefail
status=0
fail() { echo "FAIL: $*"; status=1; }
D=../../demo/prisma/migrations
norm() { sed -E -e 's/ghadelimiter_[0-9a-f]{32}/DELIM/g' -e 's/[0-9a-f]{32}/TOKEN/g' -e "s#$TMP#TMP#g"; }
golden() { # golden file, actual file
	if [ -n "${UPDATE:-}" ]; then
		norm <"$2" >"$1"
	elif ! diff -u "$1" <(norm <"$2") >"$TMP/diff"; then
		fail "$1 differs:"
		head -40 "$TMP/diff"
	fi
}
golden expected.github "$STDOUT"

# In GitHub Actions: annotations on stdout, the summary and outputs appended.
echo "an earlier step's line" >"$TMP/summary.md"
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$TMP/summary.md" GITHUB_OUTPUT="$TMP/output.txt" \
	"$GK" lint --no-config --markdown "$TMP/comment.md" --json "$TMP/r.json" "$D" >"$TMP/gh.txt" 2>"$TMP/err"
rc=$?
[ $rc = 1 ] || fail "GITHUB_ACTIONS=true: exit $rc: $(cat "$TMP/err")"
diff -q <(norm <"$TMP/gh.txt") expected.github >/dev/null || fail "GITHUB_ACTIONS=true does not mean --format github"
[ "$(head -1 "$TMP/summary.md")" = "an earlier step's line" ] || fail "the job summary was not appended to"
tail -n +2 "$TMP/summary.md" >"$TMP/summary-ours.md"
golden expected-summary.md "$TMP/summary-ours.md"
golden expected-output.txt "$TMP/output.txt"
golden expected.md "$TMP/comment.md"
[ "$(head -1 "$TMP/comment.md")" = "<!-- gatekeeper:comment -->" ] || fail "the comment's first line is not the marker"

# --no-github: the text report, no files.
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$TMP/s2.md" GITHUB_OUTPUT="$TMP/o2.txt" \
	"$GK" lint --no-config --no-github "$D" >"$TMP/text.txt" 2>/dev/null
grep -q '^::' "$TMP/text.txt" && fail "--no-github still wrote workflow commands"
[ -e "$TMP/s2.md" ] || [ -e "$TMP/o2.txt" ] && fail "--no-github still wrote the summary or the outputs"
"$GK" lint --no-config "$D" >"$TMP/plain.txt" 2>/dev/null
cmp -s "$TMP/text.txt" "$TMP/plain.txt" || fail "--no-github in Actions differs from the text report"

# An explicit --format wins; the summary and outputs are still written.
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$TMP/s3.md" GITHUB_OUTPUT="$TMP/o3.txt" \
	"$GK" lint --no-config --format json "$D" >"$TMP/j.json" 2>/dev/null
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/j.json" || fail "--format json in Actions is not JSON"
[ -s "$TMP/s3.md" ] && [ -s "$TMP/o3.txt" ] || fail "--format json in Actions wrote no summary or outputs"
# A report that cannot be written: exit 4, and the outputs say so too.
GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/o4.txt" "$GK" lint --no-config --json "$TMP/no/such/dir/r.json" "$D" \
	>"$TMP/gh4.txt" 2>/dev/null
rc=$?
[ $rc = 4 ] || fail "an unwritable --json: exit $rc, expected 4"
grep -A1 '^exit-code<<' "$TMP/o4.txt" | grep -qx 4 || fail "an unwritable --json: GITHUB_OUTPUT says $(cat "$TMP/o4.txt")"
grep -q '^::error title=gatekeeper%3A internal error::a report file could not be written' "$TMP/gh4.txt" ||
	fail "an unwritable --json: no error annotation"
exit $status
