#!/bin/sh
# Create or update gatekeeper's sticky pull-request comment through GitHub's
# REST API (ci/github/comment/action.yml).  POSIX sh, curl and jq.
#
#   GK_BODY_FILE     the body, as written by gatekeeper --markdown; its first
#                    line must be the marker <!-- gatekeeper:comment -->
#   GK_TOKEN         the token (Authorization: Bearer), never on a command line
#   GK_PULL_REQUEST  the pull request's number (default: the event's)
#   GK_AUTHOR        only a comment by this login is updated (empty: any)
#   GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
#   GITHUB_STEP_SUMMARY, GITHUB_SERVER_URL, GITHUB_RUN_ID: as GitHub sets them
#
# The comment to update is the first, in the pull request's comments, whose
# first line is the marker and whose author is GK_AUTHOR; none: a new one.
# A body longer than GitHub's limit (65,536 characters) is replaced by a
# short one pointing at the run.  A token that may not write (401, 403: a
# pull request from a fork gets a read-only one) is not an error: nothing is
# posted, a warning says so and the findings stay in the annotations and the
# job summary.  Outputs: result (created, updated, skipped), comment-url.
# Exit 0, or 1 when the API fails otherwise or the body has no marker.
set -u

marker='<!-- gatekeeper:comment -->'
limit=65536
api=${GITHUB_API_URL:-https://api.github.com}
body=${GK_BODY_FILE:-gatekeeper-comment.md}
author=${GK_AUTHOR-github-actions[bot]}
title='gatekeeper comment'

# Workflow-command data escaped as the Actions toolkit does (% first).
escape() {
	printf '%s' "$1" | sed -e 's/%/%25/g' -e 's/\r/%0D/g' | awk 'NR > 1 { printf "%%0A" } { printf "%s", $0 }'
}
say() { printf 'gatekeeper comment: %s\n' "$1"; }
warn() { printf '::warning title=%s::%s\n' "$title" "$(escape "$1")"; }
error() {
	printf '::error title=%s::%s\n' "$title" "$(escape "$1")"
	exit 1
}
summary() {
	[ -n "${GITHUB_STEP_SUMMARY:-}" ] && printf '%s\n' "$1" >>"$GITHUB_STEP_SUMMARY"
	return 0
}
output() {
	[ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
	return 0
}

for tool in curl jq; do
	command -v "$tool" >/dev/null || error "$tool is missing on this runner"
done
[ -n "${GITHUB_REPOSITORY:-}" ] || error "GITHUB_REPOSITORY is not set"
case $GITHUB_REPOSITORY in
*/* ) ;;
*) error "GITHUB_REPOSITORY is not owner/name" ;;
esac
token=${GK_TOKEN:-}
[ -n "$token" ] || error "no token: set the github-token input"
case $token in
*[!A-Za-z0-9_.-]*) error "the token holds characters a GitHub token does not" ;;
esac

tmp=$(mktemp -d) || error "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT

# ---- which pull request --------------------------------------------------------
event=${GITHUB_EVENT_PATH:-}
pr=${GK_PULL_REQUEST:-}
if [ -z "$pr" ] && [ -n "$event" ] && [ -f "$event" ]; then
	pr=$(jq -r '.pull_request.number // empty' "$event" 2>/dev/null)
fi
if [ -z "$pr" ]; then
	say "not a pull request: no comment"
	output result skipped
	exit 0
fi
case $pr in
*[!0-9]* | 0*) error "the pull request number is not a number" ;;
esac
fork=false
if [ -n "$event" ] && [ -f "$event" ] &&
	[ "$(jq -r '(.pull_request.head.repo.full_name // "") != (.pull_request.base.repo.full_name // "")' "$event" 2>/dev/null)" = true ]; then
	fork=true
fi

# ---- the body ------------------------------------------------------------------------
if [ ! -f "$body" ]; then
	warn "no comment body (the file named by body-file is missing): did the gatekeeper step run with comment: true?"
	output result skipped
	exit 0
fi
[ "$(head -n 1 "$body" | tr -d '\r')" = "$marker" ] ||
	error "the comment body does not start with the line $marker: it would never be found again to update"
jq -Rs '{body: .}' <"$body" >"$tmp/data" || error "cannot read the comment body"
length=$(jq '.body | length' "$tmp/data")
if [ "$length" -gt "$limit" ]; then
	run="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/${GITHUB_RUN_ID:-}"
	jq -n --arg m "$marker" --arg run "$run" --argjson n "$length" \
		'{body: ($m + "\n**gatekeeper**: the report (\($n) characters) is longer than a comment may be; see the job summary of [this run](\($run)).\n")}' \
		>"$tmp/data"
	warn "the comment body has $length characters, over GitHub's $limit: a short comment points at the job summary"
fi

# ---- the API ---------------------------------------------------------------------------
# api METHOD URL [DATA]: the response in $tmp/resp, the HTTP status in
# $status (000 when the server was not reached).  The token goes to curl on
# its standard input, as a config line, never in its arguments.
api() {
	printf 'header = "Authorization: Bearer %s"\n' "$token" >"$tmp/auth"
	if [ $# -ge 3 ]; then
		status=$(curl -sS -K - -o "$tmp/resp" -w '%{http_code}' -X "$1" \
			-H 'Accept: application/vnd.github+json' -H 'X-GitHub-Api-Version: 2022-11-28' \
			-H 'Content-Type: application/json' --data-binary "@$3" "$2" <"$tmp/auth")
	else
		status=$(curl -sS -K - -o "$tmp/resp" -w '%{http_code}' -X "$1" \
			-H 'Accept: application/vnd.github+json' -H 'X-GitHub-Api-Version: 2022-11-28' \
			"$2" <"$tmp/auth")
	fi
	rm -f "$tmp/auth"
	[ -n "$status" ] || status=000
}

# The server's message, one line, for our own messages.
api_message() {
	jq -r '.message // empty' "$tmp/resp" 2>/dev/null | head -n 1 | cut -c 1-200
}

read_only() { # what
	if [ "$fork" = true ]; then
		why="the pull request comes from a fork, whose token is read-only"
	else
		why="the token may not write (permissions: pull-requests: write is needed)"
	fi
	warn "cannot $1 the comment on pull request #$pr: $why. The findings are in this run's annotations and job summary."
	summary "> gatekeeper posted no pull-request comment: $why; the findings are in the annotations and this summary."
	output result skipped
	exit 0
}

fail_api() { # what
	if [ "$status" = 000 ]; then
		error "cannot $1: the GitHub API was not reached"
	fi
	error "cannot $1: HTTP $status $(api_message)"
}

repo_api="$api/repos/$GITHUB_REPOSITORY"
id=""
page=1
while [ -z "$id" ] && [ "$page" -le 100 ]; do
	api GET "$repo_api/issues/$pr/comments?per_page=100&page=$page"
	case $status in
	200) ;;
	401 | 403) read_only "read" ;;
	*) fail_api "list the pull request's comments" ;;
	esac
	id=$(jq -r --arg m "$marker" --arg a "$author" '
		[.[] | select(((.body // "") | split("\n")[0] | rtrimstr("\r")) == $m)
		     | select($a == "" or .user.login == $a) | .id] | first // empty' "$tmp/resp") ||
		error "the list of comments is not the JSON expected"
	[ "$(jq 'length' "$tmp/resp")" -lt 100 ] && break
	page=$((page + 1))
done

result=""
if [ -n "$id" ]; then
	case $id in *[!0-9]*) error "the comment's id is not a number" ;; esac
	api PATCH "$repo_api/issues/comments/$id" "$tmp/data"
	case $status in
	200) result=updated ;;
	401 | 403) read_only "update" ;;
	404) ;; # deleted meanwhile: create one
	*) fail_api "update the comment" ;;
	esac
fi
if [ -z "$result" ]; then
	api POST "$repo_api/issues/$pr/comments" "$tmp/data"
	case $status in
	201) result=created ;;
	401 | 403) read_only "create" ;;
	*) fail_api "create the comment" ;;
	esac
fi

url=$(jq -r '.html_url // empty' "$tmp/resp" 2>/dev/null)
case $url in
http://* | https://*) case $url in *[[:space:]]*) url="" ;; esac ;;
*) url="" ;;
esac
say "$result${url:+ $url}"
output result "$result"
[ -n "$url" ] && output comment-url "$url"
exit 0
