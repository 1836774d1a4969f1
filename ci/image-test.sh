#!/usr/bin/env bash
# make image-test: the GitHub Action's image, built and run without Docker.
#
# Builds the image's root filesystem from the Dockerfile's own steps
# (ci/dockerfile-steps.py reads them and refuses any it cannot replay):
# FROM debian:12 is a minimal bookworm made with debootstrap (the variant
# Debian's Docker images are made from, with their policy-rc.d), ENV is the
# environment of every later step, COPY copies the build context (the git
# tree's files that .dockerignore keeps), RUN runs with /bin/sh -c in a
# chroot.  Then it runs the ENTRYPOINT as GitHub runs a Docker action: as
# root, with the workspace (a git repository made from testdata/demo as
# make demo makes it: main holds the first migrations, the branch adds the
# hazards and edits a merged migration) owned by a uid the
# image does not know, the action's inputs in GK_* variables and the
# GITHUB_* files.  It checks that gatekeeper ran as that uid, not root,
# replayed the migrations on its private cluster, wrote its reports, and
# exited 1 (the demo's hazards block).  Prints the time of each phase and
# "image-test: pass" or "image-test: FAIL".
#
# Needs root (debootstrap, chroot, mount) and the Debian mirror; takes a few
# minutes.  Not part of make check.
#
#   ci/image-test.sh [--keep] [--logs DIR]
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
# IMAGE_TEST_DIR (parent of the temporary root, default /var/tmp).
set -euo pipefail

# One block, read before it runs (the script's file may change meanwhile).
{
repo=$(cd "$(dirname "$0")/.." && pwd)
gk_script=image-test
. "$repo/ci/chroot-lib.sh"
chroot_setup 2,24 "${IMAGE_TEST_DIR:-/var/tmp}" "$@"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The uid that owns the workspace: one the image has no user for, as on a
# self-hosted runner (GitHub's hosted runners use 1001, the image's own user).
owner=4242

t_start=$(date +%s)
t_phase=$t_start
phase() { # what
	local now
	now=$(date +%s)
	echo "image-test: $1 ($((now - t_phase)) s)"
	t_phase=$now
}
fail() {
	echo "image-test: FAIL: $*" >&2
	exit 1
}

# The steps, read first: a Dockerfile the script cannot replay fails at once.
python3 "$repo/ci/dockerfile-steps.py" "$repo/Dockerfile" >"$work/steps" || fail "the Dockerfile cannot be replayed"

env_args=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
entrypoint=()
in_root() { # command... : as Docker runs a step, with the ENV so far
	chroot "$root" /usr/bin/env -i "${env_args[@]}" "$@"
}


n=0
while IFS= read -r -d '' instr; do
	n=$((n + 1))
	case "$instr" in
	FROM)
		IFS= read -r -d '' image
		case "$image" in
		debian:12 | debian:bookworm) ;;
		*) fail "FROM $image: only debian:12 is replayed (debootstrap bookworm)" ;;
		esac
		if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1; then
			fail "debootstrap (see $logs/debootstrap.log)"
		fi
		# As in Debian's Docker images: package scripts start no services.
		printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
		chmod 755 "$root/usr/sbin/policy-rc.d"
		cp /etc/resolv.conf "$root/etc/resolv.conf"
		chroot_mount_all
		phase "step $n: FROM $image (debootstrap bookworm)"
		;;
	ENV)
		IFS= read -r -d '' name
		IFS= read -r -d '' value
		env_args+=("$name=$value")
		;;
	COPY)
		IFS= read -r -d '' dest
		mkdir -p "$root$dest"
		(cd "$repo" && python3 "$repo/ci/dockerfile-steps.py" --context . |
			tar --null -T - -cf -) | tar -xf - -C "$root$dest"
		[ ! -e "$root$dest/.git" ] && [ ! -e "$root$dest/build" ] || fail "COPY: .dockerignore let .git or build in"
		phase "step $n: COPY . $dest ($(find "$root$dest" -type f | wc -l) files)"
		;;
	RUN)
		IFS= read -r -d '' cmd
		if ! in_root /bin/sh -c "$cmd" >"$logs/step-$n.log" 2>&1; then
			tail -n 30 "$logs/step-$n.log" | sed 's/^/    /'
			fail "step $n: RUN failed (see $logs/step-$n.log)"
		fi
		phase "step $n: RUN ${cmd:0:60}..."
		;;
	ENTRYPOINT)
		while IFS= read -r -d '' a && [ -n "$a" ]; do entrypoint+=("$a"); done
		;;
	*) fail "unexpected step $instr" ;;
	esac
done <"$work/steps"
[ ${#entrypoint[@]} -gt 0 ] || fail "the Dockerfile has no ENTRYPOINT"

# ---- the workspace: a pull request on the demo project ------------------------
ws="$root/github/workspace"
m=prisma/migrations
src="$repo/testdata/demo/$m"
mkdir -p "$ws/$m" "$root/github/home" "$root/github/file_commands"
git_ws() {
	HOME="$work" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Ada GIT_AUTHOR_EMAIL=ada@example.com \
		GIT_COMMITTER_NAME=Ada GIT_COMMITTER_EMAIL=ada@example.com \
		GIT_AUTHOR_DATE=2024-05-01T10:00:00Z GIT_COMMITTER_DATE=2024-05-01T10:00:00Z git -C "$ws" "$@"
}
git_ws init -q -b main
cp "$src/migration_lock.toml" "$ws/$m/"
for d in 20240105093000_init 20240212141500_add_post_author_index 20240304110000_add_categories \
	20240318163000_tighten_user_and_post; do cp -R "$src/$d" "$ws/$m/"; done
git_ws add -A && git_ws commit -q -m "main"
# The branch as in make demo (ci/demo.sh): two new migrations, one that
# locks and rewrites "Post", and an edit of a merged one.
git_ws switch -q -c feature
cp -R "$src/20240415090000_add_search_indexes" "$src/20240501100000_add_tags" \
	"$repo/testdata/demo/check/20240410080000_add_post_slug" "$ws/$m/"
sed -i 's/CREATE INDEX "Post_authorId_idx"/CREATE INDEX CONCURRENTLY "Post_authorId_idx"/' \
	"$ws/$m/20240212141500_add_post_author_index/migration.sql"
git_ws add -A && git_ws commit -q -m "feature"
: >"$root/github/file_commands/output"
: >"$root/github/file_commands/summary"
chown -R "$owner:$owner" "$root/github"

comment=false
in_root gatekeeper check --help >"$work/check-help" 2>&1 || fail "gatekeeper check --help failed in the image"
if grep -q -- '--markdown' "$work/check-help"; then
	comment=true
else
	echo "image-test: SKIP the comment body: this gatekeeper has no --markdown option"
fi

# ---- the action's run -------------------------------------------------------------
set +e
chroot "$root" /usr/bin/env -i "${env_args[@]}" HOME=/github/home \
	GITHUB_ACTIONS=true GITHUB_WORKSPACE=/github/workspace \
	GITHUB_OUTPUT=/github/file_commands/output GITHUB_STEP_SUMMARY=/github/file_commands/summary \
	GITHUB_EVENT_NAME=pull_request GITHUB_BASE_REF=main \
	GK_COMMAND=check GK_BASE=main GK_PATHS="$m" GK_FAIL_LEVEL=error \
	GK_JSON=gatekeeper.json GK_JUNIT=gatekeeper.xml GK_COMMENT=$comment GK_COMMENT_FILE=gatekeeper-comment.md \
	GK_CACHE_DIR=.gatekeeper-cache GK_WORKING_DIRECTORY=. \
	/bin/sh -c 'cd /github/workspace && exec "$@"' sh "${entrypoint[@]}" >"$logs/action.log" 2>&1
rc=$?
set -e
phase "the action's entrypoint: gatekeeper check on the demo, exit $rc"
sed 's/^/    /' "$logs/action.log" | tail -n 40

[ "$rc" -eq 1 ] || fail "gatekeeper check exited $rc, expected 1 (the demo's hazards block)"
json="$ws/gatekeeper.json"
[ -f "$json" ] || fail "no JSON report"
[ -f "$ws/gatekeeper.xml" ] || fail "no JUnit report"
[ "$(stat -c %u "$json")" = "$owner" ] || fail "the report belongs to uid $(stat -c %u "$json"), not the workspace's owner $owner"
grep -q "^gatekeeper-$owner:x:$owner:" "$root/etc/passwd" || fail "no user was added for uid $owner"
[ -d "$ws/.gatekeeper-cache" ] && [ "$(stat -c %u "$ws/.gatekeeper-cache")" = "$owner" ] ||
	fail "the replay cache is missing or not the workspace owner's"
python3 - "$json" <<'PY' || fail "the JSON report does not show a replayed check"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["exit_code"] == 1, r["summary"]
assert not r.get("errors"), r["errors"]
replay = r.get("replay")
assert replay, "no replay section"
statuses = [m["replay"]["status"] for m in r["migrations"] if m.get("replay")]
assert statuses and "environment" not in statuses, statuses
assert any(m.get("locks") for m in r["migrations"]), "no lock traced"
blocking = sorted({f["rule_id"] for f in r["findings"] if f["blocking"]})
print("image-test: report: %d changed migrations replayed (%s), blocking rules: %s"
      % (len(statuses), ", ".join(sorted(set(statuses))), ", ".join(blocking)))
PY
# gatekeeper's own GitHub output, when this build has it (--github, whose
# --no- form --help does not list).
if grep -qE -- '--github( |$)' "$work/check-help"; then
	[ -s "$root/github/file_commands/summary" ] || fail "no job summary in \$GITHUB_STEP_SUMMARY"
	python3 - "$root/github/file_commands/output" <<'PY' || fail "\$GITHUB_OUTPUT lacks the verdict or the exit code"
import sys
lines, out, i = open(sys.argv[1]).read().split("\n"), {}, 0
while i < len(lines):
    if "<<" in lines[i] and ("=" not in lines[i] or lines[i].index("<<") < lines[i].index("=")):
        name, delim = lines[i].split("<<", 1)
        j = lines.index(delim, i + 1)
        out[name], i = "\n".join(lines[i + 1:j]), j + 1
    else:
        if "=" in lines[i]:
            name, value = lines[i].split("=", 1)
            out[name] = value
        i += 1
assert out.get("exit-code") == "1" and out.get("verdict") == "fail", out
PY
else
	echo "image-test: SKIP the job summary and outputs: this gatekeeper has no --github option"
fi
if [ "$comment" = true ]; then
	[ -f "$ws/gatekeeper-comment.md" ] || fail "no comment body"
	head -n 1 "$ws/gatekeeper-comment.md" | grep -qx '<!-- gatekeeper:comment -->' || fail "the comment body lacks its marker"
	grep -q '^comment-file<<' "$root/github/file_commands/output" || fail "no comment-file output"
fi

echo "image-test: pass ($(($(date +%s) - t_start)) s)"
}
