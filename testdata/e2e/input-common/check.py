#!/usr/bin/env python3
"""Assert facts about a gatekeeper JSON report.

usage: check.py REPORT EXPECT...

Every report must parse, list each path of a finding in `migrations`, and
give every finding a rule id.  Then each EXPECT must hold:

  has:PATH:RULE[:LINE[:COL[:TEXT]]]  a finding of RULE in PATH (LINE/COL exact,
                                     '-' = any; TEXT a substring of the message)
  span:PATH:RULE:LINE:COL:ENDLINE:ENDCOL  a finding of RULE with exactly this range
  not:PATH:RULE                      no finding of RULE in PATH
  count:PATH:RULE:N                  exactly N findings of RULE in PATH
  file:PATH                          PATH is in `migrations`
  nofile:PATH                        PATH is not in `migrations`
  files:N                            `migrations` has N entries
  statements:PATH:N                  PATH has N parsed statements
  total:PATH:N                       PATH has N statements, parsed or not
  summary:ANALYSED:TOTAL             the run analysed ANALYSED of TOTAL statements
"""
import json
import sys


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        report = json.load(f)
    findings = report["findings"]
    migrations = {m["path"]: m for m in report["migrations"]}
    errors = []
    for f in findings:
        if not f.get("rule_id"):
            errors.append("finding without a rule id: %r" % f)
        if f.get("path") not in migrations:
            errors.append("finding for %r, which is not in migrations" % f.get("path"))

    def of(path, rule):
        return [f for f in findings if f["path"] == path and f["rule_id"] == rule]

    for exp in argv[2:]:
        kind, _, rest = exp.partition(":")
        if kind == "has":
            parts = rest.split(":", 4)
            path, rule = parts[0], parts[1]
            want = parts[2:] + ["-"] * (3 - len(parts[2:]))
            line, col, text = want

            def ok(f):
                return ((line == "-" or f.get("line") == int(line))
                        and (col == "-" or f.get("column") == int(col))
                        and (text == "-" or text in f["message"]))
            if not any(ok(f) for f in of(path, rule)):
                errors.append("missing %s; %s has: %s" % (exp, path, [
                    (f["rule_id"], f.get("line"), f.get("column"), f["message"])
                    for f in findings if f["path"] == path]))
        elif kind == "span":
            path, rule, *nums = rest.rsplit(":", 5)
            want = tuple(int(x) for x in nums)
            got = [(f.get("line"), f.get("column"), f.get("end_line"), f.get("end_column"))
                   for f in of(path, rule)]
            if want not in got:
                errors.append("missing %s; %s %s spans %s" % (exp, path, rule, got))
        elif kind == "not":
            path, rule = rest.split(":", 1)
            if of(path, rule):
                errors.append("unexpected %s: %s" % (exp, of(path, rule)))
        elif kind == "count":
            path, rule, n = rest.rsplit(":", 2)
            if len(of(path, rule)) != int(n):
                errors.append("%s: found %d" % (exp, len(of(path, rule))))
        elif kind == "file":
            if rest not in migrations:
                errors.append("%s not in migrations %s" % (rest, sorted(migrations)))
        elif kind == "nofile":
            if rest in migrations:
                errors.append("%s unexpectedly in migrations" % rest)
        elif kind == "files":
            if len(migrations) != int(rest):
                errors.append("%d migrations, expected %s: %s" % (len(migrations), rest, sorted(migrations)))
        elif kind == "statements":
            path, n = rest.rsplit(":", 1)
            got = migrations.get(path, {}).get("statements")
            if got != int(n):
                errors.append("%s: %s statements" % (exp, got))
        elif kind == "total":
            path, n = rest.rsplit(":", 1)
            got = migrations.get(path, {}).get("statements_total")
            if got != int(n):
                errors.append("%s: %s statements in all" % (exp, got))
        elif kind == "summary":
            want = tuple(int(x) for x in rest.split(":"))
            got = (report["summary"].get("statements_analysed"), report["summary"].get("statements_total"))
            if got != want:
                errors.append("%s: %s of %s analysed" % (exp, got[0], got[1]))
        else:
            errors.append("unknown expectation %r" % exp)
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
