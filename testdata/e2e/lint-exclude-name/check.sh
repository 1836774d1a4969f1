#!/usr/bin/env bash
# --exclude with a glob without '/' matches a bare file name, as users
# expect (V1_1_* skips flyway/V1_1__a.sql and plain/sub/V1_1__x.sql), in a
# tool's layout (Flyway) and in a plain folder alike; with a '/' it still
# matches paths.
set -euo pipefail
files() { python3 -c 'import json,sys; print(" ".join(sorted(m["path"] for m in json.load(open(sys.argv[1]))["migrations"])))' "$1"; }
got=$(files "$STDOUT")
want="flyway/V1_10__c.sql flyway/V1_2__b.sql plain/keep.sql"
[ "$got" = "$want" ] || { echo "linted: $got"; echo "expected: $want"; exit 1; }
"$GK" lint --no-config --format json --exclude 'plain/k*' --exclude '**/V1_2*' flyway plain >"$TMP/p.json"
got=$(files "$TMP/p.json")
want="flyway/V1_10__c.sql flyway/V1_1__a.sql plain/sub/V1_1__x.sql"
[ "$got" = "$want" ] || { echo "with path globs, linted: $got"; echo "expected: $want"; exit 1; }
