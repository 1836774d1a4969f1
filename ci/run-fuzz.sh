#!/usr/bin/env bash
# Build the fuzz targets (fuzz/*.c) with clang's libFuzzer against a
# library instrumented with ASan and UBSan (build-fuzz/), then run each for
# SECONDS seconds:
#   ci/run-fuzz.sh [SECONDS [TARGET...]]
# Seeds: the target's regression inputs (testdata/fuzz/<target>/), and on
# the first run (an empty corpus) the matching files of testdata/ and of
# ../shared/corpora when that folder exists.
# Everything generated stays under build-fuzz/: the corpus each run grows
# (corpus/<target>/, kept between runs; the seeds are merged into it on the
# first run, which takes longer than SECONDS), the seeds (seeds/<target>/)
# and crash, leak and timeout inputs (artifacts/<target>/).  Prints one line of
# numbers per target; exits 1 when a target found a problem.
set -uo pipefail
seconds=${1:-10}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=build-fuzz
shared=$root/../shared/corpora

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/t.c"
if ! command -v clang >/dev/null || ! clang -fsanitize=fuzzer "$probe/t.c" -o "$probe/t" 2>"$probe/err"; then
	echo "fuzz: clang with libFuzzer is needed (ci/install-deps.sh installs clang and libclang-rt-14-dev)" >&2
	sed 's/^/    /' "$probe/err" >&2 2>/dev/null
	exit 2
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
make --no-print-directory -j2 BUILD=$out CC=clang FUZZ_MAIN= \
	OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san -Wno-missing-field-initializers" \
	LDFLAGS="-fsanitize=fuzzer $san" fuzz-bins >"$out.log" 2>&1 || { tail -30 "$out.log"; exit 2; }
rm -f "$out.log"

targets=("$@")
[ ${#targets[@]} -eq 0 ] && for f in fuzz/*.c; do
	case $f in fuzz/main.c | fuzz/util.c) ;; *) targets+=("$(basename "$f" .c)") ;; esac
done
if [ ! -d "$shared" ]; then
	echo "fuzz: no shared corpora at ../shared/corpora, seeding from testdata/ only"
	shared=""
fi

# Copy files matching find(1) arguments from testdata/ and the shared
# corpora into a seed folder (same names kept apart by numbered backups).
seed_files() {
	local dest=$1
	shift
	find testdata ${shared:+"$shared"} -type f "$@" -size -1024k -print0 2>/dev/null |
		xargs -0 -r cp --backup=numbered -t "$dest"
}

# A layout input per migrations folder: its kind, its files, the content
# of its lock file (or first SQL file).
seed_layouts() {
	local dest=$1 dir lock
	find testdata ${shared:+"$shared"} -type d \( -name migrations -o -name migration -o -name db \) 2>/dev/null |
		while IFS= read -r dir; do
			lock=$(find "$dir" -maxdepth 1 -name migration_lock.toml | head -1)
			[ -n "$lock" ] || lock=$(find "$dir" -name '*.sql' | sort | head -1)
			{
				echo auto
				(cd "$dir" && find . -type f | sort | head -300)
				echo
				[ -n "$lock" ] && head -c 4000 "$lock"
			} >"$dest/$(printf '%s' "$dir" | md5sum | cut -c1-16)"
		done
}

# Database URLs from the test sources and READMEs (one per seed).
seed_urls() {
	local dest=$1 i=0
	grep -rhoE "(postgres(ql)?|jdbc:postgresql)://[^\"' )\`]+" src cmd README.md testdata 2>/dev/null | sort -u |
		while IFS= read -r u; do
			i=$((i + 1))
			printf '%s\n' "$u" >"$dest/url-$i"
		done
}

status=0
for t in "${targets[@]}"; do
	bin=$out/fuzz/$t
	[ -x "$bin" ] || { echo "fuzz: no target $t"; status=1; continue; }
	corpus=$out/corpus/$t seeds=$out/seeds/$t art=$out/artifacts/$t
	rm -rf "$seeds"
	rm -rf "$art"
	mkdir -p "$corpus" "$seeds" "$art"
	max_len=4096
	case $t in sql_lint | directives) max_len=16384 ;; esac
	# The seeds are read on the first run only (thousands of SQL files
	# take minutes), merged into the corpus (libFuzzer itself saves only
	# the inputs it makes): what they cover stays there.
	if [ -z "$(ls -A "$corpus")" ]; then
		case $t in
		sql_lint | directives) seed_files "$seeds" -name '*.sql' ;;
		config) seed_files "$seeds" \( -name '*.yml' -o -name '*.yaml' \) ;;
		layout) seed_layouts "$seeds" ;;
		url) seed_urls "$seeds" ;;
		esac
		echo "fuzz $t: merging $(ls "$seeds" | wc -l) seeds into the corpus (first run)"
		"$bin" -merge=1 -timeout=10 -rss_limit_mb=4096 -max_len=$max_len "$corpus" "$seeds" \
			>"$out/$t.merge.log" 2>&1 || { tail -20 "$out/$t.merge.log"; status=1; continue; }
	fi
	regress=()
	[ -d testdata/fuzz/$t ] && regress=(testdata/fuzz/$t)
	log=$out/$t.log
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=$max_len \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" "${regress[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
	corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
	crashes=$(find "$art" -type f | wc -l)
	echo "fuzz $t: ${seconds}s, ${execs:-0} executions, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, $crashes problem inputs (exit $rc)"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		grep -E 'ERROR: |SUMMARY|invariant broken|Test unit written' "$log" | head -10 | sed 's/^/    /'
		echo "    minimise with: $bin -minimize_crash=1 -runs=10000 FILE; add it to testdata/fuzz/$t/"
		status=1
	fi
done
exit $status
