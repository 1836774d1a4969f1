#!/usr/bin/env bash
# A 50 MB file is refused by the size limit before it is read; raising the
# limit with --max-file-size lets it through (then its content is judged).
. ../input-common/lib.sh
truncate -s 50M "$TMP/huge.sql"
lint_json 1 "$TMP/r.json" "$TMP/huge.sql" "$GOOD"
check "$TMP/r.json" files:2 \
	"has:$TMP/huge.sql:invalid-input:-:-:file is larger than the 16 MiB limit" \
	"count:$TMP/huge.sql:invalid-input:1"
lint_json 1 "$TMP/r2.json" --max-file-size 64 "$TMP/huge.sql" "$GOOD"
check "$TMP/r2.json" "has:$TMP/huge.sql:invalid-input:1:1:NUL byte"

# A device that never ends stops at the limit instead of filling memory.
lint_json 1 "$TMP/r3.json" /dev/zero "$GOOD"
check "$TMP/r3.json" "has:/dev/zero:invalid-input:-:-:file is larger than the 16 MiB limit"
