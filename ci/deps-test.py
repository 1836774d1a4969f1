#!/usr/bin/env python3
"""The module dependency test: every edge between modules points down.

    ci/deps-test.py [--table FILE] [--fake-edge FROM:TO] OBJ_DIR

OBJ_DIR is a build's object folder (build/obj).  Each object belongs to a
module (see ci/deps.txt); `nm` tells which external symbols each object
defines and which it uses.  A use in module A of a symbol defined in module B
is an edge A -> B; the test prints the module graph (per pair: how many
distinct symbols A uses from B) and fails when an edge is not allowed by the
table, naming the symbols and the objects that use them.

--fake-edge FROM:TO adds one use of a symbol of TO by FROM, as if an object
of FROM called it: the self-test that proves a violating edge fails.

Reading the objects rather than the #include lines: an include of a header
only for its types costs nothing, a call is a dependency.
"""
import collections
import os
import subprocess
import sys


def module_of(path):
    """The module of an object, from its path below OBJ_DIR, or None."""
    parts = path.split(os.sep)
    if parts[:2] == ["cmd", "gatekeeper"]:
        return "cmd"
    if parts[0] != "src" or len(parts) < 3:
        return None
    # The rule catalogue is its own module wherever its files live.
    if parts[1:3] == ["lint", "rules"] or parts[1:3] == ["lint", "registry.o"]:
        return "rules"
    return parts[1]


def read_table(path):
    """Ordered {module: set(allowed)} and the temporary allowances."""
    order, allowed, temporary = [], {}, set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            head, _, rest = line.partition(":")
            words = rest.split()
            if head == "temporary":
                if len(words) != 2:
                    sys.exit(f"{path}:{n}: 'temporary: FROM TO' expected")
                temporary.add((words[0], words[1]))
                continue
            if head in allowed:
                sys.exit(f"{path}:{n}: module {head} listed twice")
            for w in words:
                # Only modules above: the table itself cannot hold a cycle.
                if w not in allowed:
                    sys.exit(f"{path}:{n}: {head} may use {w}, which is not listed above it")
            order.append(head)
            allowed[head] = set(words)
    for a, b in temporary:
        if a not in allowed or b not in allowed:
            sys.exit(f"{path}: temporary {a} -> {b} names an unknown module")
    return order, allowed, temporary


def nm(objdir, rels):
    """{object: (defined, used)} external symbols, from one run of nm."""
    out = subprocess.run(["nm", "-P", "-A", "--extern-only"] + rels, cwd=objdir, check=True,
                         capture_output=True, text=True).stdout
    syms = {rel: (set(), set()) for rel in rels}
    for line in out.splitlines():
        name, _, rest = line.partition(": ")
        fields = rest.split()
        if name not in syms or len(fields) < 2:
            continue
        sym, kind = fields[0], fields[1]
        if kind == "U":
            syms[name][1].add(sym)
        elif kind not in ("w", "v"):
            syms[name][0].add(sym)
    return syms


def main(argv):
    table = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deps.txt")
    fakes = []
    args = []
    it = iter(argv)
    for a in it:
        if a == "--table":
            table = next(it)
        elif a == "--fake-edge":
            fakes.append(tuple(next(it).split(":", 1)))
        else:
            args.append(a)
    if len(args) != 1:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    objdir = args[0]
    order, allowed, temporary = read_table(table)

    # Objects of a source that is gone (moved or removed since the build
    # folder's last make) are left out: they are not in the library.
    srcroot = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    objects = []  # (relative path, module)
    for root, _, files in os.walk(objdir):
        for name in sorted(files):
            rel = os.path.relpath(os.path.join(root, name), objdir)
            if (name.endswith(".o") and module_of(rel)
                    and os.path.exists(os.path.join(srcroot, rel[:-2] + ".c"))):
                objects.append((rel, module_of(rel)))
    if not objects:
        print(f"deps: no objects under {objdir} (build first)")
        return 2

    unknown = sorted({m for _, m in objects if m not in allowed})
    owner = {}  # symbol -> module that defines it
    uses = []   # (object, module, symbol)
    syms = nm(objdir, [rel for rel, _ in sorted(objects)])
    for rel, mod in sorted(objects):
        defined, used = syms[rel]
        for s in defined:
            owner[s] = mod
        uses.extend((rel, mod, s) for s in used)
    for a, b in fakes:
        sym = next((s for s, m in sorted(owner.items()) if m == b), None)
        if sym is None:
            sys.exit(f"deps: --fake-edge: module {b} defines no symbol")
        uses.append((f"src/{a}/(fake)", a, sym))

    edges = collections.defaultdict(set)       # (a, b) -> symbols
    users = collections.defaultdict(set)       # (a, b, symbol) -> objects
    for rel, a, s in uses:
        b = owner.get(s)
        if b is None or b == a:
            continue  # a library outside the project, or the module itself
        edges[(a, b)].add(s)
        users[(a, b, s)].add(rel)

    rank = {m: i for i, m in enumerate(order)}
    print("module graph (edge: distinct symbols used):")
    bad = []
    for (a, b) in sorted(edges, key=lambda e: (rank.get(e[0], 999), e[0], rank.get(e[1], 999), e[1])):
        ok = a in allowed and b in allowed[a]
        tmp = (a, b) in temporary
        mark = "" if ok else (" (temporary allowance)" if tmp else "  NOT ALLOWED")
        print(f"  {a} -> {b}: {len(edges[(a, b)])}{mark}")
        if not ok and not tmp:
            bad.append((a, b))
    status = 0
    for m in unknown:
        print(f"deps: module {m} is not in {os.path.basename(table)}")
        status = 1
    for a, b in bad:
        print(f"deps: {a} may not use {b}:")
        for s in sorted(edges[(a, b)]):
            print(f"    {s}  (used by {', '.join(sorted(users[(a, b, s)]))})")
        status = 1
    for a, b in sorted(temporary):
        if (a, b) not in edges:
            print(f"deps: the temporary allowance {a} -> {b} is no longer needed: remove it")
            status = 1
    print(f"deps: {len(edges)} edges between {len({m for _, m in objects})} modules, "
          f"{len(bad)} not allowed")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
