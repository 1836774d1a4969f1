#!/usr/bin/env bash
# The JSON report is compact by default (one line, no blanks between
# tokens) on standard output and in --json FILE; --pretty indents both.
# Compact and pretty are the same document: only whitespace differs.
set -uo pipefail
inputs=../lint-inputs/migrations
status=0
"$GK" lint --no-config --format json --json "$TMP/c.json" "$inputs" >"$TMP/c.out" 2>/dev/null
"$GK" lint --no-config --pretty --format json --json "$TMP/p.json" "$inputs" >"$TMP/p.out" 2>/dev/null
python3 - "$TMP" <<'PY' || status=1
import json, sys
d = sys.argv[1]
def read(name):
    return open(f"{d}/{name}", "rb").read()
ok = True
def want(cond, msg):
    global ok
    if not cond:
        print(msg)
        ok = False
docs = {}
for name in ("c.out", "c.json"):
    raw = read(name)
    want(raw.endswith(b"\n") and raw.count(b"\n") == 1, f"{name}: not one line")
    want(b'": ' not in raw.replace(b'\\"', b""), f"{name}: blanks after a key")
    docs[name] = json.loads(raw)
for name in ("p.out", "p.json"):
    raw = read(name)
    want(raw.startswith(b'{\n  "schema_version": "2.2",\n  "tool": {\n    "name"'), f"{name}: not indented")
    docs[name] = json.loads(raw)
for doc in docs.values():
    doc["run"].pop("duration_ms", None)
want(all(doc == docs["c.out"] for doc in docs.values()), "compact and pretty reports differ beyond whitespace")
want(len(docs["c.out"]["findings"]) == 8, "expected the 8 findings of lint-inputs")
sys.exit(0 if ok else 1)
PY
exit $status
