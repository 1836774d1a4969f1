#!/usr/bin/env python3
"""The GitHub Action's entrypoint (ci/github/entrypoint.sh) builds
gatekeeper's argv from the GK_* variables without a shell ever reading a
value: a stub records the argv, environment, uid and working directory it
was started with.  Also: action.yml maps every input to the variable the
entrypoint reads; invalid inputs exit 2 before gatekeeper runs; the
database URL reaches gatekeeper in $DATABASE_URL only; as root, gatekeeper
runs as the owner of the workspace; the outputs name the files written;
make image-test can replay the Dockerfile.  Then the real binary through the entrypoint, with the options it has.
Prints "action-entrypoint: N cases passed"."""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ENTRY = os.path.join(ROOT, "ci", "github", "entrypoint.sh")

STUB = r"""#!/usr/bin/python3
import json, os, sys
rec = {"argv": sys.argv[1:], "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
       "cwd": os.getcwd(), "env": {k: v for k, v in os.environ.items()}}
with open(os.environ["STUB_RECORD"], "w") as f:
    json.dump(rec, f)
args = sys.argv[1:]
for opt in ("--markdown", "--sarif", "--json"):
    if opt in args:
        with open(args[args.index(opt) + 1], "w") as f:
            f.write("<!-- gatekeeper:comment -->\n" if opt == "--markdown" else "{}\n")
sys.exit(int(os.environ.get("STUB_EXIT", "0")))
"""


class Env:
    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        self.ws = os.path.join(self.dir, "workspace")
        os.makedirs(os.path.join(self.ws, "sub"))
        os.chmod(self.dir, 0o755)
        self.stub = os.path.join(self.dir, "gatekeeper-stub")
        with open(self.stub, "w") as f:
            f.write(STUB)
        os.chmod(self.stub, 0o755)
        # In the workspace: the stub may run as the workspace's owner.
        self.record = os.path.join(self.ws, ".record.json")
        self.output = os.path.join(self.dir, "output")

    def run(self, **env):
        base = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8",
                "GITHUB_WORKSPACE": self.ws, "GITHUB_OUTPUT": self.output, "GATEKEEPER": self.stub,
                "STUB_RECORD": self.record, "HOME": self.dir}
        base.update(env)
        for f in (self.record,):
            if os.path.exists(f):
                os.unlink(f)
        open(self.output, "w").close()
        p = subprocess.run(["sh", ENTRY], cwd=self.dir, env=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.rc, self.out = p.returncode, (p.stdout + p.stderr).decode()
        self.rec = json.load(open(self.record)) if os.path.exists(self.record) else None
        with open(self.output) as f:
            self.outputs = parse_outputs(f.read())
        return self


def parse_outputs(text):
    """$GITHUB_OUTPUT as the runner reads it: NAME=VALUE or NAME<<DELIM ... DELIM."""
    out, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:j])
            i = j + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
            i += 1
        else:
            i += 1
    return out


def check_action_yml():
    """Every input of action.yml reaches the entrypoint as GK_<NAME> through
    runs.env, and nothing else interpolates an input."""
    import yaml
    with open(os.path.join(ROOT, "action.yml")) as f:
        action = yaml.safe_load(f)
    runs = action["runs"]
    assert runs["using"] == "docker" and runs["image"] == "Dockerfile", runs
    assert "args" not in runs and "entrypoint" not in runs, "inputs must not reach a command line"
    env = runs["env"]
    with open(ENTRY) as f:
        entry = f.read()
    for name in action["inputs"]:
        var = "GK_" + name.upper().replace("-", "_")
        assert env.get(var) == "${{ inputs.%s }}" % name, (name, env.get(var))
        assert re.search(r"\$\{?%s\b" % var, entry), "the entrypoint does not read %s" % var
        assert re.search(r"^#\s+.*\b%s\b" % var, entry, re.M), "the entrypoint's header does not document %s" % var
    assert len(env) == len(action["inputs"]), sorted(env)
    with open(os.path.join(ROOT, "Dockerfile")) as f:
        docker = f.read()
    assert re.search(r"^ENTRYPOINT \[\"/usr/local/bin/gatekeeper-action\"\]$", docker, re.M)
    assert "ci/github/entrypoint.sh /usr/local/bin/gatekeeper-action" in docker
    assert not re.search(r"^USER\b", docker, re.M), "GitHub runs Docker actions as root: no USER"


def check_dockerfile(tmp):
    """make image-test can replay the Dockerfile (it refuses instructions it
    does not know), and the build context leaves out .git and build/."""
    steps = os.path.join(ROOT, "ci", "dockerfile-steps.py")
    out = subprocess.run([sys.executable, steps, os.path.join(ROOT, "Dockerfile")], check=True,
                         stdout=subprocess.PIPE).stdout.split(b"\0")
    assert out[:2] == [b"FROM", b"debian:12"], out[:2]
    assert b"ENTRYPOINT" in out and b"COPY" in out
    for bad in ("FROM debian:12\nUSER gatekeeper\n", "FROM debian:12\nRUN [\"make\"]\n",
                "FROM debian:12 AS build\n", "FROM debian:12\nCOPY src /x\n"):
        path = os.path.join(tmp, "Dockerfile.bad")
        with open(path, "w") as f:
            f.write(bad)
        p = subprocess.run([sys.executable, steps, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.returncode != 0 and b"dockerfile-steps:" in p.stderr, (bad, p.stderr)
    files = subprocess.run([sys.executable, steps, "--context", ROOT], check=True,
                           stdout=subprocess.PIPE).stdout.decode().split("\0")
    assert "Makefile" in files and "ci/github/entrypoint.sh" in files, files[:5]
    assert not [f for f in files if f.startswith((".git/", "build/", "build-")) or f.endswith(".o")], \
        [f for f in files if f.startswith((".git/", "build"))][:5]


def main():
    # Under /tmp itself: the owner's process must reach the stub, and the
    # test runner's own temporary folder is private.
    tmp = tempfile.mkdtemp(prefix="gk-action-entrypoint.", dir="/tmp")
    os.chmod(tmp, 0o755)
    try:
        run_cases(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_cases(tmp):
    passed = 0
    check_dockerfile(tmp)
    passed += 1
    try:
        import yaml  # noqa: F401
        check_action_yml()
        passed += 1
    except ImportError:
        print("SKIP: action.yml's inputs: python3-yaml is missing (ci/install-deps.sh installs it)")

    # Every option from its input; lists one item per line, blanks trimmed.
    e = Env(tmp, "full")
    e.run(GK_COMMAND="check", GK_PATHS="prisma/migrations\n  db/with space  \n\n", GK_BASE="main",
          GK_FAIL_LEVEL="warning", GK_JSON="r.json", GK_JUNIT="r.xml", GK_SARIF="r.sarif", GK_COMMENT="true",
          GK_COMMENT_FILE="c.md", GK_CACHE_DIR=".cache", GK_ARGS="--rule\ncreate-index-non-concurrent=off\n")
    assert e.rc == 0, e.out
    assert e.rec["argv"] == ["check", "--fail-level", "warning", "--base", "main", "--json", "r.json",
                             "--junit", "r.xml", "--sarif", "r.sarif", "--markdown", "c.md",
                             "--cache-dir", ".cache", "--rule", "create-index-non-concurrent=off", "--",
                             "prisma/migrations", "db/with space"], e.rec["argv"]
    assert e.outputs.get("comment-file") == "c.md" and e.outputs.get("sarif") == "r.sarif", e.outputs
    passed += 1

    # Defaults: check, error, no reports asked, gatekeeper's own folders.
    e = Env(tmp, "defaults")
    e.run()
    assert e.rc == 0 and e.rec["argv"] == ["check", "--fail-level", "error", "--"], (e.out, e.rec)
    assert e.outputs == {}, e.outputs
    passed += 1

    # Values are only text: no command substitution, no splitting, no globbing.
    e = Env(tmp, "hostile")
    hostile_paths = ["$(touch pwned1)", "`touch pwned2`", "a; touch pwned3", "*", "x' \"y", "--help"]
    e.run(GK_PATHS="\n".join(hostile_paths), GK_BASE="main\"; touch pwned4; echo \"",
          GK_JSON="$(touch pwned5).json", GK_ARGS="--exclude\n*.sql")
    assert e.rc == 0, e.out
    argv = e.rec["argv"]
    assert argv[argv.index("--") + 1:] == hostile_paths, argv
    assert argv[argv.index("--base") + 1] == "main\"; touch pwned4; echo \"", argv
    assert argv[argv.index("--json") + 1] == "$(touch pwned5).json"
    assert argv[argv.index("--exclude") + 1] == "*.sql"
    for root, dirs, files in os.walk(e.dir):
        assert not [f for f in files if f.startswith("pwned") and not f.endswith(".json")], files
    passed += 1

    # The database URL: read from the named variable, passed in $DATABASE_URL only.
    url = "postgresql://reader:s3cret-pw@db.example.com/shop"
    e = Env(tmp, "database")
    e.run(GK_COMMAND="drift", GK_DATABASE_URL_SECRET="PROD_READONLY_URL", PROD_READONLY_URL=url,
          GK_CACHE_DIR=".cache", GK_BASE="ignored-for-drift")
    assert e.rc == 0, e.out
    assert e.rec["env"]["DATABASE_URL"] == url
    assert not any("s3cret" in a for a in e.rec["argv"]), e.rec["argv"]
    assert e.rec["argv"] == ["drift", "--fail-level", "error", "--cache-dir", ".cache", "--"], e.rec["argv"]
    e.run(GK_COMMAND="status", GK_CACHE_DIR=".cache", DATABASE_URL=url)
    assert e.rc == 0 and e.rec["env"]["DATABASE_URL"] == url, e.out
    assert e.rec["argv"] == ["status", "--fail-level", "error", "--"], "status has no --cache-dir"
    e.run(GK_COMMAND="gate", GK_DATABASE_URL_SECRET="PROD_READONLY_URL")
    assert e.rc == 2 and e.rec is None, (e.rc, e.out)
    assert "PROD_READONLY_URL" in e.out and "secret" in e.out, e.out
    passed += 1

    # Invalid inputs: exit 2, gatekeeper not started, the value not echoed.
    e = Env(tmp, "invalid")
    for env in ({"GK_COMMAND": "lint"}, {"GK_COMMAND": "check\n::set-output name=x::y"},
                {"GK_FAIL_LEVEL": "fatal"}, {"GK_COMMENT": "yes"},
                {"GK_COMMAND": "gate", "GK_DATABASE_URL_SECRET": "A-B"},
                {"GK_COMMAND": "gate", "GK_DATABASE_URL_SECRET": "$(id)"},
                {"GK_COMMAND": "gate", "GK_DATABASE_URL_SECRET": "9LIVES"},
                {"GK_WORKING_DIRECTORY": "missing"}):
        e.run(GITHUB_ACTIONS="true", **env)
        assert e.rc == 2 and e.rec is None, (env, e.rc, e.out)
        assert e.out.startswith("::error title=gatekeeper-action::"), e.out
        assert "set-output" not in e.out and "$(id)" not in e.out, e.out
    passed += 1

    # gatekeeper's exit code is the step's; the outputs are written even then.
    e = Env(tmp, "exit")
    e.run(STUB_EXIT="1", GK_COMMENT="true", GK_WORKING_DIRECTORY="sub")
    assert e.rc == 1, e.out
    assert e.rec["cwd"] == os.path.join(e.ws, "sub")
    assert e.outputs == {"comment-file": "sub/gatekeeper-comment.md"}, e.outputs
    # A working directory named like an option is a folder.
    os.makedirs(os.path.join(e.ws, "-"))
    e.run(GK_WORKING_DIRECTORY="-")
    assert e.rc == 0 and e.rec["cwd"] == os.path.join(e.ws, "-"), (e.out, e.rec and e.rec["cwd"])
    # A path holding a newline cannot add an output of its own.
    e.run(GK_SARIF="x\nverdict=pass")
    assert e.outputs == {"sarif": "x\nverdict=pass"}, e.outputs
    passed += 1

    # As root: gatekeeper runs as the workspace's owner, without root's groups.
    if os.geteuid() == 0:
        e = Env(tmp, "owner")
        nobody = 65534
        for d, _, files in os.walk(e.ws):
            os.chown(d, nobody, nobody)
        e.run(GK_JSON="r.json", GK_COMMENT="true")
        assert e.rc == 0, e.out
        assert (e.rec["uid"], e.rec["gid"]) == (nobody, nobody), e.rec
        assert e.rec["groups"] in ([], [nobody]), e.rec["groups"]
        assert os.stat(os.path.join(e.ws, "r.json")).st_uid == nobody
        assert e.outputs.get("comment-file") == "gatekeeper-comment.md", e.outputs
        # The home given is the owner's (this test's HOME is root's).
        assert e.rec["env"]["HOME"] != e.dir, e.rec["env"]["HOME"]
        # A workspace that belongs to root: root, and the log says why.
        e = Env(tmp, "rootws")
        e.run()
        assert e.rc == 0 and e.rec["uid"] == 0 and "belongs to root" in e.out, e.out
        passed += 1
    else:
        print("SKIP: the switch from root to the workspace's owner (not running as root)")

    # The real binary through the entrypoint (only options every build has):
    # check with a base that does not exist is a configuration error, exit 2,
    # and the JSON report is still written.
    gk = os.environ.get("GK")
    if gk and os.path.exists(gk):
        e = Env(tmp, "real")
        subprocess.run(["git", "init", "-q", e.ws], check=True)
        r = e.run(GATEKEEPER=os.path.abspath(gk), GK_COMMAND="check", GK_BASE="no-such-ref", GK_JSON="report.json",
                  GK_PATHS="migrations", HOME=e.dir)
        assert r.rc == 2, r.out
        report = json.load(open(os.path.join(e.ws, "report.json")))
        assert report["summary"]["exit_code"] == 2, report["summary"]
        passed += 1

    print("action-entrypoint: %d cases passed" % passed)


if __name__ == "__main__":
    main()
