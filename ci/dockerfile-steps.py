#!/usr/bin/env python3
"""Read a Dockerfile and print its steps for ci/image-test.sh, which replays
them in a debootstrap chroot where no Docker daemon runs.

Only the instructions the project's Dockerfile uses are understood, written
the way it writes them (FROM IMAGE, ENV K=V..., COPY . DEST, RUN in shell
form, ENTRYPOINT in exec form); anything else is refused, so the Dockerfile
cannot grow a step the test would skip.

Output: NUL-terminated fields, one record per step: the instruction, then
its fields (FROM image; ENV name value; COPY dest; RUN command; ENTRYPOINT
argv..., then an empty field).

    dockerfile-steps.py Dockerfile
    dockerfile-steps.py --context DIR      # the build context: the files of
                                           # DIR's git tree (tracked and untracked,
                                           # not ignored) that .dockerignore keeps,
                                           # NUL-terminated
"""
import fnmatch
import json
import os
import shlex
import subprocess
import sys


def fail(msg):
    sys.exit("dockerfile-steps: " + msg)


def logical_lines(text):
    """Join continuation lines and drop comments and blank lines, as Docker
    does (a comment line inside a continued instruction is dropped too)."""
    out, cur = [], ""
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped.startswith("#"):
            continue
        if not cur and not stripped:
            continue
        if raw.rstrip().endswith("\\"):
            cur += raw.rstrip()[:-1] + " "
            continue
        cur += raw
        out.append(cur.strip())
        cur = ""
    if cur.strip():
        out.append(cur.strip())
    return out


def steps(path):
    with open(path, encoding="utf-8") as f:
        lines = logical_lines(f.read())
    result = []
    for n, line in enumerate(lines, 1):
        word, _, rest = line.partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "FROM":
            if n != 1 or len(rest.split()) != 1:
                fail("FROM must be the first instruction, one image, one stage")
            result.append(["FROM", rest])
        elif word == "ENV":
            for item in shlex.split(rest):
                name, eq, value = item.partition("=")
                if not eq or not name:
                    fail("ENV must be written NAME=VALUE: %r" % item)
                result.append(["ENV", name, value])
        elif word == "COPY":
            args = rest.split()
            if len(args) != 2 or args[0] != "." or not args[1].startswith("/"):
                fail("COPY must copy the whole context to an absolute path: %r" % rest)
            result.append(["COPY", args[1]])
        elif word == "RUN":
            if rest.startswith("["):
                fail("RUN must use the shell form")
            result.append(["RUN", rest])
        elif word == "ENTRYPOINT":
            argv = json.loads(rest)
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a for a in argv):
                fail("ENTRYPOINT must use the exec form")
            result.append(["ENTRYPOINT"] + argv + [""])
        else:
            fail("instruction %s is not replayed by the image test; add it to ci/dockerfile-steps.py" % word)
    if not result or result[0][0] != "FROM":
        fail("no FROM")
    return result


def ignored(rel, patterns):
    parts = rel.split("/")
    for pat in patterns:
        pat = pat.strip("/")
        if pat.startswith("**/"):
            if fnmatch.fnmatchcase(parts[-1], pat[3:]):
                return True
            continue
        for i in range(1, len(parts) + 1):
            if fnmatch.fnmatchcase("/".join(parts[:i]), pat):
                return True
    return False


def context(top):
    patterns = []
    ignore = os.path.join(top, ".dockerignore")
    if os.path.exists(ignore):
        with open(ignore, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    if line.startswith("!"):
                        fail(".dockerignore exceptions (!) are not understood")
                    patterns.append(line)
    files = subprocess.run(["git", "-C", top, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           check=True, stdout=subprocess.PIPE).stdout.split(b"\0")
    out = sys.stdout.buffer
    for rel in files:
        if not rel:
            continue
        name = rel.decode("utf-8", "surrogateescape")
        if ignored(name, patterns) or not os.path.lexists(os.path.join(top, name)):
            continue
        out.write(rel + b"\0")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--context":
        context(sys.argv[2])
        return
    if len(sys.argv) != 2:
        fail("usage: dockerfile-steps.py Dockerfile | --context DIR")
    out = sys.stdout.buffer
    for step in steps(sys.argv[1]):
        for field in step:
            out.write(field.encode("utf-8") + b"\0")


if __name__ == "__main__":
    main()
