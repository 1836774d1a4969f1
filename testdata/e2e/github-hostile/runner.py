"""Read a gatekeeper --format github log the way the Actions runner does
(actions/runner src/Runner.Common/ActionCommand.cs TryParseV2, and
::stop-commands::TOKEN ... ::TOKEN::), and check that only gatekeeper's own
commands run, each escaped as the toolkit escapes, within GitHub's limits.

usage: runner.py LOG REPORT.JSON   (exit 1 with a message on the first fault)
"""
import json, re, sys

log = open(sys.argv[1], "rb").read()
report = json.load(open(sys.argv[2]))
assert b"\x1b" not in log and b"\r" not in log and b"\x07" not in log, "raw control characters in the log"
text = log.decode("utf-8")
ours = {"group", "endgroup", "error", "warning", "notice", "stop-commands"}


def unescape(s, prop):
    for a, b in (("%0D", "\r"), ("%0A", "\n")) + ((("%3A", ":"), ("%2C", ",")) if prop else ()) + (("%25", "%"),):
        s = s.replace(a, b)
    return s


def parse(line):
    s = line.lstrip()
    if not s.startswith("::"):
        return None
    end = s.find("::", 2)
    if end < 0:
        return None
    info = s[2:end]
    name, _, props = info.partition(" ")
    p = {}
    for kv in filter(None, props.strip().split(",")):
        k, eq, v = kv.partition("=")
        if eq and v:
            p[k] = unescape(v, True)
    return name, p, unescape(s[end + 2:], False)


stopped = None
tokens = set()
levels = {"error": [], "warning": [], "notice": []}
depth = 0
for no, line in enumerate(text.split("\n"), 1):
    cmd = parse(line)
    if stopped is not None:
        if cmd and cmd[0] == stopped:
            stopped = None
        continue
    if not line.strip():
        continue
    assert cmd, "line %d is read by no one outside a stop-commands block: %r" % (no, line[:120])
    name, props, data = cmd
    assert name in ours, "line %d runs the command %r" % (no, name)
    if name == "stop-commands":
        assert re.fullmatch(r"[0-9a-f]{32}", data), "a weak token %r" % data
        stopped = data
        tokens.add(data)
    elif name == "group":
        depth += 1
        assert depth == 1, "nested group at line %d" % no
    elif name == "endgroup":
        depth -= 1
        assert depth == 0, "endgroup without group at line %d" % no
    else:
        assert depth == 0, "an annotation inside a group at line %d" % no
        for v in list(props.values()) + [data]:
            bad = [c for c in v if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0]
            assert not bad, "control characters %r in annotation %r" % (bad, v[:120])
        assert "title" in props, line
        levels[name].append((props, data))
assert stopped is None and depth == 0, "the log ends inside a stop-commands block or a group"
assert len(tokens) == 1, "one fresh token per report: %s" % tokens

by = report["summary"]["by_severity"]
errors = len(report["errors"]) + by["error"]
more = errors > 10 or by["warning"] > 10 or by["info"] > 10
assert len(levels["error"]) == min(errors, 10), (len(levels["error"]), errors)
assert len(levels["warning"]) == min(by["warning"], 10), (len(levels["warning"]), by["warning"])
if more:
    assert len(levels["notice"]) == min(by["info"], 9) + 1, len(levels["notice"])
    last = levels["notice"][-1][1]
    left = errors + by["warning"] + by["info"] - len(levels["error"]) - len(levels["warning"]) - (len(levels["notice"]) - 1)
    assert last.startswith("%d more not annotated" % left) and "job summary" in last, last
else:
    assert len(levels["notice"]) == by["info"]
# Each annotation names a finding's file (as shown: made visible) and line.
for lv in levels.values():
    for props, data in lv:
        if "file" in props and "line" in props:
            assert int(props["line"]) >= 1
print("runner: %d error, %d warning, %d notice annotations; commands only gatekeeper's" %
      tuple(len(levels[k]) for k in ("error", "warning", "notice")))
