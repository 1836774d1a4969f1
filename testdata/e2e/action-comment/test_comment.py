#!/usr/bin/env python3
"""The sticky-comment step (ci/github/comment/comment.sh) against a local
GitHub REST API on 127.0.0.1 that keeps a pull request's comments and
records every request: create, then update; another user's comment with the
marker left alone; the second page of comments; a fork's read-only token;
no pull request; a body without the marker; an oversized body; the API
unreachable.  Prints "action-comment: N cases passed"."""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "ci", "github", "comment", "comment.sh")
MARKER = "<!-- gatekeeper:comment -->"
TOKEN = "ghs_TestToken0123456789"
REPO = "acme/shop"
PR = 7
BOT = "github-actions[bot]"


class Api:
    """The state of one fake repository: pull request PR's comments."""

    def __init__(self):
        self.comments = []
        self.next_id = 1000
        self.requests = []
        self.deny_writes = False
        self.fail_post = None

    def add(self, body, login):
        self.next_id += 1
        c = {"id": self.next_id, "body": body, "user": {"login": login},
             "html_url": "https://github.com/%s/pull/%d#issuecomment-%d" % (REPO, PR, self.next_id)}
        self.comments.append(c)
        return c


class Handler(http.server.BaseHTTPRequestHandler):
    api = None

    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        api = self.api
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        api.requests.append({"method": method, "path": url.path, "query": urllib.parse.parse_qs(url.query),
                             "auth": self.headers.get("Authorization"), "accept": self.headers.get("Accept"),
                             "body": raw})
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(401, {"message": "Bad credentials"})
        base = "/repos/%s" % REPO
        if url.path == "%s/issues/%d/comments" % (base, PR):
            if method == "GET":
                q = urllib.parse.parse_qs(url.query)
                per = int(q.get("per_page", ["30"])[0])
                page = int(q.get("page", ["1"])[0])
                return self.reply(200, api.comments[(page - 1) * per:page * per])
            if method == "POST":
                if api.fail_post:
                    return self.reply(500, {"message": api.fail_post})
                if api.deny_writes:
                    return self.reply(403, {"message": "Resource not accessible by integration"})
                return self.reply(201, api.add(json.loads(raw)["body"], BOT))
        if url.path.startswith(base + "/issues/comments/") and method == "PATCH":
            if api.deny_writes:
                return self.reply(403, {"message": "Resource not accessible by integration"})
            cid = int(url.path.rsplit("/", 1)[1])
            for c in api.comments:
                if c["id"] == cid:
                    c["body"] = json.loads(raw)["body"]
                    return self.reply(200, c)
            return self.reply(404, {"message": "Not Found"})
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


def serve(api):
    handler = type("H", (Handler,), {"api": api})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Case:
    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.event = os.path.join(self.dir, "event.json")
        self.output = os.path.join(self.dir, "output")
        self.summary = os.path.join(self.dir, "summary")
        self.body = os.path.join(self.dir, "gatekeeper-comment.md")
        self.pull_request(fork=False)

    def pull_request(self, fork):
        head = "someone/shop" if fork else REPO
        with open(self.event, "w") as f:
            json.dump({"pull_request": {"number": PR, "head": {"repo": {"full_name": head}},
                                        "base": {"repo": {"full_name": REPO}}}}, f)

    def write_body(self, text):
        with open(self.body, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    def run(self, port, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "GITHUB_API_URL": "http://127.0.0.1:%d" % port, "GITHUB_REPOSITORY": REPO,
               "GITHUB_EVENT_PATH": self.event, "GITHUB_OUTPUT": self.output,
               "GITHUB_STEP_SUMMARY": self.summary, "GITHUB_SERVER_URL": "https://github.com",
               "GITHUB_RUN_ID": "42", "GK_BODY_FILE": self.body, "GK_TOKEN": TOKEN, "GK_AUTHOR": BOT}
        env.update(extra)
        for f in (self.output, self.summary):
            open(f, "w").close()
        p = subprocess.run(["sh", SCRIPT], cwd=self.dir, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        self.rc, self.stdout, self.stderr = p.returncode, p.stdout.decode(), p.stderr.decode()
        assert TOKEN not in self.stdout + self.stderr, "the token was printed"
        with open(self.output) as f:
            self.outputs = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        with open(self.summary) as f:
            self.summary_text = f.read()
        return self

    def expect(self, rc, result):
        assert self.rc == rc, "exit %d, expected %d\nstdout: %s\nstderr: %s" % (self.rc, rc, self.stdout, self.stderr)
        if result is not None:
            assert self.outputs.get("result") == result, (self.outputs, self.stdout, self.stderr)


def writes(api):
    return [(r["method"], r["path"]) for r in api.requests if r["method"] != "GET"]


HOSTILE = (MARKER + "\n## gatekeeper: 2 blocking findings\n"
           "`$(touch pwned)` \"quoted\" 'single' \\backslash %25 ::set-output name=x::y\r\n"
           "<script>alert(1)</script> \u00e9\u4e2d \U0001F600 ;rm -rf /\n")


def main():
    tmp = tempfile.mkdtemp()
    passed = 0

    # 1-2. create, then update the same comment.
    api = Api()
    server = serve(api)
    port = server.server_address[1]
    c = Case(tmp, "create")
    c.write_body(HOSTILE)
    c.run(port).expect(0, "created")
    assert writes(api) == [("POST", "/repos/%s/issues/%d/comments" % (REPO, PR))], writes(api)
    assert api.requests[0]["auth"] == "Bearer " + TOKEN
    assert api.requests[0]["accept"] == "application/vnd.github+json"
    assert json.loads(api.requests[-1]["body"]) == {"body": HOSTILE}, "the body was not sent byte for byte"
    assert api.comments[0]["body"] == HOSTILE
    assert c.outputs["comment-url"] == api.comments[0]["html_url"]
    assert not os.path.exists(os.path.join(c.dir, "pwned"))
    passed += 1

    api.requests.clear()
    c.write_body(MARKER + "\nall clear\n")
    c.run(port).expect(0, "updated")
    assert writes(api) == [("PATCH", "/repos/%s/issues/comments/%d" % (REPO, api.comments[0]["id"]))], writes(api)
    assert len(api.comments) == 1 and api.comments[0]["body"] == MARKER + "\nall clear\n"
    passed += 1

    # 3. A person quoting the marker, and the bot's other comments, are not it.
    api = Api()
    server = serve(api)
    port = server.server_address[1]
    api.add(MARKER + "\nquoted by a person", "octocat")
    api.add("LGTM " + MARKER, BOT)
    c = Case(tmp, "others")
    c.write_body(MARKER + "\nreport\n")
    c.run(port).expect(0, "created")
    assert writes(api) == [("POST", "/repos/%s/issues/%d/comments" % (REPO, PR))], writes(api)
    assert api.comments[0]["body"] == MARKER + "\nquoted by a person"
    passed += 1

    # 4. The comment on the second page of 100.
    api = Api()
    server = serve(api)
    port = server.server_address[1]
    for i in range(150):
        api.add("comment %d" % i, "octocat")
    mine = api.add(MARKER + "\nold report", BOT)
    c = Case(tmp, "pages")
    c.write_body(MARKER + "\nnew report\n")
    c.run(port).expect(0, "updated")
    pages = [r["query"].get("page") for r in api.requests if r["method"] == "GET"]
    assert pages == [["1"], ["2"]], pages
    assert writes(api) == [("PATCH", "/repos/%s/issues/comments/%d" % (REPO, mine["id"]))], writes(api)
    passed += 1

    # 5. A fork's read-only token: nothing posted, a warning, the summary says so.
    api = Api()
    api.deny_writes = True
    server = serve(api)
    port = server.server_address[1]
    c = Case(tmp, "fork")
    c.pull_request(fork=True)
    c.write_body(MARKER + "\nreport\n")
    c.run(port).expect(0, "skipped")
    assert "::warning title=gatekeeper comment::" in c.stdout and "fork" in c.stdout, c.stdout
    assert "annotations and job summary" in c.stdout, c.stdout
    assert "posted no pull-request comment" in c.summary_text and "fork" in c.summary_text, c.summary_text
    assert api.comments == []
    # ... and updating an existing comment is refused the same way.
    api.add(MARKER + "\nold", BOT)
    c.run(port).expect(0, "skipped")
    assert api.comments[0]["body"] == MARKER + "\nold"
    passed += 1

    # 6. Not a pull request: no request at all.
    api = Api()
    server = serve(api)
    port = server.server_address[1]
    c = Case(tmp, "push")
    with open(c.event, "w") as f:
        json.dump({"ref": "refs/heads/main"}, f)
    c.write_body(MARKER + "\nreport\n")
    c.run(port).expect(0, "skipped")
    assert api.requests == []
    passed += 1

    # 7. A body without the marker would never be found again: refused.
    c = Case(tmp, "nomarker")
    c.write_body("## gatekeeper\nno marker\n")
    c.run(port).expect(1, None)
    assert "::error title=gatekeeper comment::" in c.stdout and MARKER in c.stdout
    assert api.requests == []
    # ... and a missing body is a warning, not a failure of the job.
    os.unlink(c.body)
    c.run(port).expect(0, "skipped")
    assert "::warning" in c.stdout
    passed += 1

    # 8. Over GitHub's limit: a short comment with the marker points at the run.
    c = Case(tmp, "long")
    c.write_body(MARKER + "\n" + "x" * 70000 + "\n")
    c.run(port).expect(0, "created")
    posted = json.loads(api.requests[-1]["body"])["body"]
    assert posted.startswith(MARKER + "\n") and len(posted) < 1000, posted[:200]
    assert "https://github.com/%s/actions/runs/42" % REPO in posted, posted
    assert "::warning" in c.stdout
    passed += 1

    # 9. A hostile server message is escaped in the annotation; the API unreachable fails.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    c = Case(tmp, "down")
    c.write_body(MARKER + "\nreport\n")
    c.run(dead).expect(1, None)
    assert "::error title=gatekeeper comment::" in c.stdout and "not reached" in c.stdout, c.stdout
    api = Api()
    server = serve(api)
    port = server.server_address[1]
    api.fail_post = "boom%0A\r\n::set-output name=x::y"
    c.run(port).expect(1, None)
    assert "HTTP 500 boom%250A" in c.stdout, c.stdout
    assert not any(line.startswith("::set-output") for line in c.stdout.splitlines()), c.stdout
    c.run(port, GK_TOKEN="bad token$(id)").expect(1, None)
    assert "characters a GitHub token does not" in c.stdout, c.stdout
    passed += 1

    print("action-comment: %d cases passed" % passed)


if __name__ == "__main__":
    main()
