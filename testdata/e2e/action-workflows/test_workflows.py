#!/usr/bin/env python3
"""What the example workflows, the README's snippets and the GitLab template
ask of gatekeeper exists:

- every `with:` of a step that uses the action (OWNER/gatekeeper@REF) or the
  comment step names one of its inputs, and every `steps.ID.outputs.NAME` of
  such a step one of its outputs;
- no `run:` of the examples holds `${{ }}` (values go through env:);
- the GitLab template's jobs extend .gatekeeper, keep their reports when the
  job fails, and install the Dockerfile's own package list;
- every option the template and the action's entrypoint give gatekeeper is
  in that command's --help (the CI renderers' options, --sarif, --gitlab and
  --markdown, are reported as SKIP by a build without them).

    test_workflows.py GATEKEEPER_BINARY      prints "action-workflows: N checks passed"
    test_workflows.py --readme-workflows DIR writes the README's workflow snippets to DIR
"""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# The CI renderers' options: a build without them is a SKIP, not a failure.
PENDING = {"--sarif", "--gitlab", "--markdown"}
COMMANDS = ("check", "drift", "gate", "status")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def examples():
    d = os.path.join(ROOT, "ci", "github")
    return {os.path.join("ci/github", n): load(os.path.join(d, n))
            for n in sorted(os.listdir(d)) if n.endswith(".yml")}


def readme_blocks():
    """The README's yaml blocks that use the action."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"^```yaml\n(.*?)^```$", text, re.S | re.M)
    return [b for b in blocks if "OWNER/gatekeeper" in b]


def action_kind(uses):
    """'action', 'comment' or None for a step's uses:."""
    if not isinstance(uses, str):
        return None
    name = uses.split("@", 1)[0]
    if re.fullmatch(r"[^/]+/gatekeeper", name) or name == "./":
        return "action"
    if re.fullmatch(r"[^/]+/gatekeeper/ci/github/comment", name) or name == "./ci/github/comment":
        return "comment"
    return None


def steps_of(workflow):
    for job in (workflow.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            yield job, step


def check_workflow(where, workflow, actions):
    n = 0
    for job, step in steps_of(workflow):
        kind = action_kind(step.get("uses"))
        if kind:
            inputs = actions[kind]["inputs"]
            for key in step.get("with") or {}:
                assert key in inputs, "%s: %s has no input %r" % (where, kind, key)
            n += 1
    text = yaml.safe_dump(workflow)
    ids = {step.get("id"): action_kind(step.get("uses")) for _, step in steps_of(workflow) if step.get("id")}
    for sid, name in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
        kind = ids.get(sid)
        assert sid in ids, "%s: no step with id %s" % (where, sid)
        if kind:
            assert name in actions[kind]["outputs"], "%s: %s has no output %r" % (where, kind, name)
            n += 1
    for _, step in steps_of(workflow):
        assert "${{" not in str(step.get("run", "")), "%s: a run: line interpolates ${{ }}; pass it in env:" % where
    if "pull_request" in (workflow.get(True) or workflow.get("on") or {}):
        for _, step in steps_of(workflow):
            if step.get("uses", "").startswith("actions/checkout"):
                assert (step.get("with") or {}).get("fetch-depth") == 0, "%s: check needs fetch-depth: 0" % where
    return n


def help_options(gk, command):
    out = subprocess.run([gk, command, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", out))


def check_options(gk, where, command, options, skipped):
    have = help_options(gk, command)
    for opt in options:
        if opt in have:
            continue
        if opt in PENDING:
            skipped.add("gatekeeper %s %s" % (command, opt))
            continue
        raise AssertionError("%s: gatekeeper %s has no option %s" % (where, command, opt))


def apt_packages(text):
    """The packages of the last apt-get install in a shell text."""
    installs = re.findall(r"apt-get install ([^&\n]*(?:\\\n[^&\n]*)*)", text)
    assert installs, "no apt-get install"
    words = installs[-1].replace("\\\n", " ").split()
    return sorted(w for w in words if not w.startswith("-") and not w.startswith(">"))


def gatekeeper_calls(script):
    """(command, options) of each `gatekeeper COMMAND ...` in a script."""
    calls = []
    for m in re.finditer(r"\bgatekeeper (check|drift|gate|status)\b([^\n]*(?:\n\s+--[^\n]*)*)", script):
        calls.append((m.group(1), re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", m.group(2))))
    return calls


def check_gitlab(gk, skipped):
    path = os.path.join(ROOT, "ci", "gitlab", "gatekeeper.gitlab-ci.yml")
    t = load(path)
    n = 0
    base = t[".gatekeeper"]
    assert base["image"]["entrypoint"] == [""], "the image's entrypoint is the GitHub Action's: reset it"
    assert 3 in base["retry"]["exit_codes"], "exit 3 is worth a retry"
    with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as f:
        docker = f.read()
    assert apt_packages("\n".join(base["before_script"])) == apt_packages(docker), \
        "the template builds with other packages than the Dockerfile"
    for name, job in t.items():
        if name in ("variables", ".gatekeeper") or not isinstance(job, dict):
            continue
        assert job.get("extends") == ".gatekeeper", "%s does not extend .gatekeeper" % name
        art = job["artifacts"]
        assert art["when"] == "always", "%s: the reports must be kept when the job fails" % name
        assert "junit" in art["reports"], name
        script = "\n".join(job["script"])
        calls = gatekeeper_calls(script)
        assert calls, "%s runs no gatekeeper command" % name
        for command, options in calls:
            check_options(gk, "ci/gitlab: " + name, command, options, skipped)
            if "--gitlab" in options:
                assert art["reports"].get("codequality") == "gl-code-quality.json", name
            if command != "check":
                assert 'DATABASE_URL="$GATEKEEPER_DATABASE_URL"' in script and "--database" not in options, name
        n += 1
    assert "gatekeeper-check" in t and t["gatekeeper-check"]["variables"]["GIT_DEPTH"] == "0"
    return n


def check_entrypoint(gk, skipped):
    """The options ci/github/entrypoint.sh passes, per command."""
    with open(os.path.join(ROOT, "ci", "github", "entrypoint.sh"), encoding="utf-8") as f:
        text = f.read()
    options = set(re.findall(r'set -- "\$@" (--[a-z][a-z0-9-]*)', text))
    options |= set(re.findall(r'set -- "\$command" (--[a-z][a-z0-9-]*)', text))
    assert {"--fail-level", "--json", "--junit", "--sarif", "--markdown", "--cache-dir", "--base"} <= options, options
    for command in COMMANDS:
        opts = [o for o in options if not (o == "--base" and command != "check")
                and not (o == "--cache-dir" and command == "status")]
        check_options(gk, "ci/github/entrypoint.sh", command, opts, skipped)
    return len(COMMANDS)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--readme-workflows":
        for i, block in enumerate(readme_blocks()):
            with open(os.path.join(sys.argv[2], "readme-%d.yml" % i), "w", encoding="utf-8") as f:
                f.write(block)
        return
    gk = sys.argv[1]
    actions = {"action": load(os.path.join(ROOT, "action.yml")),
               "comment": load(os.path.join(ROOT, "ci", "github", "comment", "action.yml"))}
    n, skipped = 0, set()
    for where, workflow in examples().items():
        n += check_workflow(where, workflow, actions)
    blocks = readme_blocks()
    assert len(blocks) >= 3, "the README's CI snippets should use the action"
    for i, block in enumerate(blocks):
        n += check_workflow("README block %d" % i, yaml.safe_load(block), actions)
    n += check_gitlab(gk, skipped)
    n += check_entrypoint(gk, skipped)
    if skipped:
        print("SKIP: options this build does not have yet, not checked: " + ", ".join(sorted(skipped)))
    print("action-workflows: %d checks passed" % n)


if __name__ == "__main__":
    main()
