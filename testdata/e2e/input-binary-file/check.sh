#!/usr/bin/env bash
# Binary files named *.sql: an executable (NUL bytes) and seeded noise
# without NUL bytes (invalid UTF-8); both refused, never parsed.
. ../input-common/lib.sh
head -c 65536 "$GK" >"$TMP/program.sql"
python3 -c '
import random, sys
r = random.Random(7)
sys.stdout.buffer.write(bytes([0x80 + r.randrange(0x80) if i == 3 else 1 + r.randrange(255) for i in range(100000)]))
' >"$TMP/noise.sql"
lint_json 1 "$TMP/r.json" "$TMP/program.sql" "$TMP/noise.sql" "$GOOD"
lint_formats 1 "$TMP/program.sql" "$TMP/noise.sql" "$GOOD"
check "$TMP/r.json" files:3 \
	"has:$TMP/program.sql:invalid-input:-:-:NUL byte" \
	"has:$TMP/noise.sql:invalid-input:-:-:not valid UTF-8" \
	"not:$TMP/noise.sql:syntax-error" "not:$TMP/program.sql:syntax-error"
