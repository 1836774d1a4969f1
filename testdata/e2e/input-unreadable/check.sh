#!/usr/bin/env bash
# Files that cannot be read are reported by name, and the others linted.
# CI runs as root, for whom chmod 000 does not stop a read, so use what
# fails for root too: a dangling symlink and a symlink loop; chmod 000 is
# checked as well when not root.
. ../input-common/lib.sh
ln -s "$TMP/nowhere/gone.sql" "$TMP/dangling.sql"
ln -s loop.sql "$TMP/loop.sql"
lint_json 1 "$TMP/r.json" "$TMP/dangling.sql" "$GOOD" "$TMP/loop.sql"
check "$TMP/r.json" files:3 \
	"has:$TMP/dangling.sql:invalid-input:-:-:cannot read file: No such file or directory" \
	"has:$TMP/loop.sql:invalid-input:-:-:cannot read file: Too many levels of symbolic links"
if [ "$(id -u)" != 0 ]; then
	printf 'SELECT 1;\n' >"$TMP/secret.sql"
	chmod 000 "$TMP/secret.sql"
	lint_json 1 "$TMP/r2.json" "$TMP/secret.sql" "$GOOD"
	check "$TMP/r2.json" "has:$TMP/secret.sql:invalid-input:-:-:cannot read file: Permission denied"
else
	echo "note: running as root, chmod 000 cannot make a file unreadable; checked symlinks only"
fi

# Special files: a FIFO without a writer must not hang (it reads as empty).
mkfifo "$TMP/pipe.sql"
lint_json 1 "$TMP/r3.json" "$TMP/pipe.sql" "$GOOD"
check "$TMP/r3.json" "has:$TMP/pipe.sql:empty-migration:1:1"
