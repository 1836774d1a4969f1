#!/usr/bin/env bash
# `SELECT 1+1+...+1` with 100,000 terms: a bare libpg_query parse on an
# 8 MB stack crashes on it; gatekeeper parses it on its deep-stack threads
# and analyses it.  Deep expressions also sit where rules look (defaults,
# CHECK, UPDATE, index predicates), after an ALTER TYPE ... ADD VALUE whose
# rule searches the later statements of the transaction for the new value,
# so that a rule walking expressions recursively would show up here.
# GK_E2E_SCALE (make asan: 10) divides the term counts: under ASan the
# parse of the full size alone takes a quarter of an hour (ci/run-asan.sh).
. ../input-common/lib.sh
scale=${GK_E2E_SCALE:-1}
k=$((30000 / scale))
python3 - "$((100000 / scale))" "$k" "$((1000 / scale))" <<'PY' >"$TMP/chain.sql"
import sys
big, k, small = map(int, sys.argv[1:])
def chain(n): return "+".join(["1"] * n)
print("SET lock_timeout = 1000; ALTER TYPE mood ADD VALUE \x27meh\x27;")
print("SELECT " + chain(big) + ";")
print("CREATE INDEX users_name_idx ON users (name);")
print("ALTER TABLE users ADD COLUMN c int DEFAULT " + chain(k) + ";")
print("ALTER TABLE users ADD CONSTRAINT c_check CHECK (c < " + chain(k) + ") NOT VALID;")
print("UPDATE users SET c = " + chain(k) + ", t = \x27meh\x27" + "||\x27x\x27" * k + " WHERE id = " + chain(small) + ";")
print("CREATE INDEX CONCURRENTLY users_c_idx ON users (c) WHERE c > " + chain(k) + ";")
PY
lint_json 1 "$TMP/r.json" "$TMP/chain.sql" "$GOOD"
check "$TMP/r.json" \
	"statements:$TMP/chain.sql:8" \
	"not:$TMP/chain.sql:syntax-error" "not:$TMP/chain.sql:invalid-input" \
	"span:$TMP/chain.sql:create-index-non-concurrent:3:1:3:43" \
	"has:$TMP/chain.sql:enum-value-in-transaction:6:$((22 + 2 * k + 5))"
