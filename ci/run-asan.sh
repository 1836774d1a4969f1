#!/usr/bin/env bash
# `make asan`: the whole suite on the ASan+UBSan build (BUILD, default
# build-asan) with leak detection: the unit tests (those that start a
# PostgreSQL cluster included), the fuzz regression inputs and the
# end-to-end cases, whose gatekeeper is BUILD/gatekeeper.  Only our
# binaries are instrumented, not the PostgreSQL server they start.
#   ci/run-asan.sh [--unit] [BUILD]
# --unit (make asan-unit, which .ci/run adds to make check): the unit
# tests only, every one of them.
#
# A sanitizer report exits 86, an exit code no command of ours uses, so
# that a case expecting exit 1 (gate failed) cannot pass with a leak.
# ci/lsan.supp lists leaks inside system libraries that are not ours to
# fix (each with why).
set -uo pipefail
unit=0
if [ "${1:-}" = --unit ]; then
	unit=1
	shift
fi
build=${1:-build-asan}
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:exitcode=86:detect_stack_use_after_return=0:strict_string_checks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="exitcode=86:suppressions=$PWD/ci/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# The pathological inputs (100,000- and 160,000-term expressions) cost
# time quadratic in their depth inside libpg_query (a memmove per protobuf
# level), and ASan's memmove is a byte loop: at full size input-plus-chain
# takes ~15 and input-too-deep ~30 minutes of CPU.  GK_E2E_SCALE=10: those
# cases generate a tenth of the terms, and the build (Makefile, asan) a
# tenth of the depth limit, so they still reach the same paths (deep-stack
# parse and walk, the refusal past the limit); the normal run keeps the
# full size.
export GK_E2E_SCALE=10
export GK_E2E_TIMEOUT=${GK_E2E_TIMEOUT:-1200}
export GK_E2E_TIMES=1 GK_UNIT_TIMES=1
# LeakSanitizer does not run under ptrace: no strace around the unit
# tests here (make check checks their declared needs).
export GK_UNIT_TRACE=0
start=$(date +%s)
if [ $unit = 1 ]; then
	ci/run-unit.sh "$build"
	rc=$?
	echo "asan: unit tests in $(($(date +%s) - start)) s"
	exit $rc
fi
ci/run-tests.sh "$build"
rc=$?
echo "asan: whole suite in $(($(date +%s) - start)) s"
exit $rc
