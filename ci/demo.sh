#!/usr/bin/env bash
# make demo: lint the demo Prisma project in testdata/demo (an init
# migration, then migrations with typical hazards and one safe one) with the
# text report on the terminal, and write the JSON and JUnit reports under
# BUILD/demo/.  The demo is meant to find hazards: it succeeds when
# gatekeeper exits 1 (the gate failed) and fails on any other exit code.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
out="$root/$build/demo"
if [ ! -x "$gk" ]; then
	echo "demo: $build/gatekeeper not found; run 'make' first" >&2
	exit 2
fi
mkdir -p "$out"
# Run from the demo folder so the report names prisma/migrations/... paths.
cd "$root/testdata/demo" || exit 2
echo "demo: gatekeeper lint prisma/migrations   (a Prisma project, PostgreSQL 15)"
echo
"$gk" lint --json "$out/report.json" --junit "$out/junit.xml" prisma/migrations
rc=$?
echo
echo "demo: JSON report:  $build/demo/report.json"
echo "demo: JUnit report: $build/demo/junit.xml"
case $rc in
1)
	echo "demo: gatekeeper exited 1: blocking findings, the gate failed, as this demo intends."
	echo "      (exit codes: 0 pass, 1 blocking findings, 2 usage or configuration error,"
	echo "       3 infrastructure error, 4 internal error)"
	exit 0
	;;
0)
	echo "demo: gatekeeper exited 0 (pass), but the demo migrations contain hazards it should block" >&2
	exit 1
	;;
*)
	echo "demo: gatekeeper exited $rc: an error, not a verdict (2 usage, 3 infrastructure, 4 internal)" >&2
	exit 1
	;;
esac
