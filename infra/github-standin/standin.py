#!/usr/bin/env python3
"""github-standin: a local stand-in for the part of GitHub's REST API prenv uses.

    python3 infra/github-standin/standin.py --port 0 --ready-file /tmp/gh.json --token T

Enforces shared/fixtures/github-api/CONTRACT.md for commit statuses, so tests fail where GitHub
would: 403 without a User-Agent, 401 for a wrong token, 422 for a description over 140
characters or the 1001st status per sha and context. Lists pull requests as GitHub pages them
(`per_page` capped at 100, a `Link` header, a strong `ETag` per page, `304` on `If-None-Match`).
Admin API under /_standin/ (statuses seen, listing counters, fault injection, reset). Stdlib only;
never used in production.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import registry
import comments  # noqa: E402,F401  (registers its routes)
import apps  # noqa: F401  (GitHub App routes: JWTs, installations, installation tokens)
import collaborators  # noqa: E402,F401  (registers its routes)
import contents  # noqa: E402,F401  (repository contents: `.prenv/` blueprints)
import deployments  # noqa: E402,F401  (registers its routes)
import write_limits  # noqa: F401  (registers the secondary write limits)

DOCS = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
STATES = ("error", "failure", "pending", "success")
MAX_PER_CONTEXT = 1000
STATUS_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/statuses/([^/]+)$")
COMBINED_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/commits/([^/]+)/status$")
PULL_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/([0-9]+)$")
PULLS_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls$")
LIST_DOCS = "https://docs.github.com/rest/pulls/pulls#list-pull-requests"
DEFAULT_PER_PAGE = 30   # GitHub's default page size
MAX_PER_PAGE = 100      # GitHub's cap: a larger per_page is served as 100


def token_hash(authorization: str) -> str:
    """The first 12 hex digits of the SHA-256 of a request's token: tells tokens apart in recordings."""
    return hashlib.sha256(authorization.partition(" ")[2].strip().encode()).hexdigest()[:12]


class State:
    """Everything the stand-in remembers; one lock, since the server is threaded."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.extra_tokens: set[str] = set()
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.statuses: list[dict] = []   # every accepted status, in order
        self.requests: list[dict] = []   # every status request (accepted or not), for header checks
        self.faults: list[dict] = []     # pending injected faults, consumed front first
        self.pulls: dict[tuple[str, int], dict] = {}  # pull requests set through /_standin/pulls
        self.rate_limit_disabled = False  # /_standin/enterprise: GET /rate_limit answers 404, as GHES by default
        self.listings: list[dict] = []  # every pull-request listing request: {path, status, if_none_match}
        self.lookups = 0  # GET /repos/{o}/{r}/pulls/{n} requests answered (200 or 404)
        self.listing_override: dict = {}  # /_standin/listing: a hostile Link header or body for every listing
        self.next_id = 1
        for hook in registry.RESET_HOOKS:
            hook(self)

    def take_fault(self, route: str = "statuses") -> dict | None:
        """The first pending fault for `route` (`statuses`, the default, or `pulls` for listings)."""
        with self.lock:
            index = next((i for i, f in enumerate(self.faults) if f.get("route", "statuses") == route), None)
            if index is None:
                return None
            fault = self.faults[index]
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.faults.pop(index)
            return dict(fault)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validation_failed(field: str, message: str, code: str = "custom") -> dict:
    return {"message": "Validation Failed",
            "errors": [{"resource": "Status", "code": code, "field": field, "message": message}],
            "documentation_url": DOCS}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive clients must not hold up shutdown

    def handle_error(self, request, client_address) -> None:
        """A client dropping a keep-alive connection is normal in tests; keep stderr readable."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "github-standin"
    state: State  # set in main()

    def setup(self) -> None:
        """Headers and body go out in separate writes: without TCP_NODELAY each reply waits ~40 ms for a delayed ACK."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt: str, *args) -> None:  # quiet unless asked
        if os.environ.get("STANDIN_LOG"):
            super().log_message(fmt, *args)

    def reply(self, status: int, body: object, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def dispatch(self, method: str, body: bytes = b"") -> bool:
        """Routes registered by the modules (`registry.py`); True when one answered."""
        path = self.path.split("?")[0]
        found = registry.find(method, path)
        if found is None:
            return False
        entry, match = found
        if entry.auth and self.check_auth():
            return True
        if entry.write and self.write_refused():
            return True
        entry.handler(self, match, body)
        return True

    def write_refused(self) -> bool:
        """Whether a write guard (a rate limit) already answered this write."""
        return any(guard(self) for guard in registry.WRITE_GUARDS)

    def do_PATCH(self) -> None:
        body = self.read_body()
        if not self.dispatch("PATCH", body):
            self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def do_DELETE(self) -> None:
        body = self.read_body()
        if not self.dispatch("DELETE", body):
            self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def do_PUT(self) -> None:
        body = self.read_body()
        if not self.dispatch("PUT", body):
            self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/_standin/") and any(reader(self, path) for reader in registry.ADMIN_READERS):
            return
        if self.dispatch("GET"):
            return
        if path == "/_standin/statuses":
            with self.state.lock:
                return self.reply(200, {"statuses": list(self.state.statuses), "requests": list(self.state.requests)})
        if path == "/_standin/listings":
            with self.state.lock:
                listings = list(self.state.listings)
            counts = {"200": sum(1 for r in listings if r["status"] == 200),
                      "304": sum(1 for r in listings if r["status"] == 304)}
            return self.reply(200, {"counts": counts, "requests": listings, "lookups": self.state.lookups})
        if path == "/rate_limit":
            if self.check_auth():
                return
            if self.state.rate_limit_disabled:  # GitHub Enterprise Server's default
                return self.reply(404, {"message": "Rate limiting is not enabled.", "documentation_url": "https://docs.github.com/enterprise-server/rest"})
            return self.reply(200, {"resources": {"core": {"limit": 5000, "remaining": 4999, "reset": 0, "used": 1}}},
                              {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-used": "1"})
        pull = PULL_PATH.match(path)
        if pull:
            if self.check_auth():
                return
            owner, repo, number = pull.groups()
            with self.state.lock:
                self.state.lookups += 1
                found = self.state.pulls.get((f"{owner}/{repo}".lower(), int(number)))
            if found is None:
                return self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"})
            return self.reply(200, found)
        pulls = PULLS_PATH.match(path)
        if pulls:
            if self.check_auth():
                return
            if (fault := self.state.take_fault("pulls")) is not None:
                self.record_listing(int(fault.get("status", 502)))
                return self.inject(fault)
            return self.list_pulls(*pulls.groups())
        match = COMBINED_PATH.match(path)
        if not match:
            return self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        if self.check_auth():
            return
        owner, repo, ref = match.groups()
        with self.state.lock:
            mine = [s for s in self.state.statuses if s["_repo"] == f"{owner}/{repo}" and s["_sha"] == ref]
        latest: dict[str, dict] = {}
        for status in mine:
            latest[status["context"].lower()] = status
        states = [s["state"] for s in latest.values()]
        combined = ("failure" if any(s in ("failure", "error") for s in states)
                    else "success" if states and all(s == "success" for s in states) else "pending")
        public = [{k: v for k, v in s.items() if not k.startswith("_")} for s in reversed(list(latest.values()))]
        self.reply(200, {"state": combined, "sha": ref, "total_count": len(public), "statuses": public})

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self.read_body()
        if path.startswith("/_standin/"):
            return self.admin(path, body)
        if self.dispatch("POST", body):
            return
        match = STATUS_PATH.match(path)
        if not match:
            return self.reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        with self.state.lock:
            self.state.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        if self.check_auth():
            return
        if self.write_refused():
            return
        if (fault := self.state.take_fault()) is not None:
            return self.inject(fault)
        self.create_status(*match.groups(), body)

    def check_auth(self) -> bool:
        """True when the request was refused (and answered). GitHub's order: a missing User-Agent is
        refused before credentials are looked at."""
        if not (self.headers.get("User-Agent") or "").strip():
            self.reply(403, {
                "message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
                           "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."})
            return True
        auth = self.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        try:
            accepted = scheme.lower() in ("bearer", "token") and (
                token == self.state.token or token in self.state.extra_tokens
                or any(check(self, scheme, token) for check in registry.TOKEN_CHECKS))
        except registry.Refusal as refusal:
            self.reply(refusal.status, refusal.body)
            return True
        if not accepted:
            self.reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
            return True
        return False

    def inject(self, fault: dict) -> None:
        if fault.get("secondary_rate_limit"):
            headers = {"x-ratelimit-remaining": "4999"}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = fault["retry_after"]
            return self.reply(int(fault.get("status", 403)), {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}, headers)
        if fault.get("primary_rate_limit"):
            reset = int(datetime.now(timezone.utc).timestamp()) + int(fault.get("reset_in", 1))
            return self.reply(int(fault.get("status", 403)), {
                "message": "API rate limit exceeded for installation.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                 "x-ratelimit-reset": str(reset)})
        status = int(fault.get("status", 502))
        self.reply(status, {"message": fault.get("message", "Server Error")})

    def list_pulls(self, owner: str, repo: str) -> None:
        """`GET /repos/{o}/{r}/pulls`: newest first (GitHub's default sort is by creation, and numbers
        grow with it), `state` open/closed/all, `per_page` capped at 100, `page` from 1, a `Link` header
        naming the next/last/first/prev pages, and a strong `ETag` over the page's body; a request whose
        `If-None-Match` names that ETag gets `304 Not Modified` with no body (GitHub does not count
        those against the rate limit). Every answer is counted for `GET /_standin/listings`."""
        query = parse_qs(self.path.partition("?")[2])
        state = (query.get("state") or ["open"])[0]
        if state not in ("open", "closed", "all"):
            return self.reply(422, {"message": "Validation Failed",
                                    "errors": [{"resource": "PullRequest", "code": "invalid", "field": "state"}],
                                    "documentation_url": LIST_DOCS})
        per_page = min(max(number(query.get("per_page"), DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
        page = max(number(query.get("page"), 1), 1)
        full_name = f"{owner}/{repo}".lower()
        with self.state.lock:
            matching = [pull for (name, _), pull in self.state.pulls.items()
                        if name == full_name and (state == "all" or pull["state"] == state)]
            override = dict(self.state.listing_override)
        matching.sort(key=lambda pull: pull["number"], reverse=True)
        pages = max(1, -(-len(matching) // per_page))
        body = override["body"] if "body" in override else matching[(page - 1) * per_page: page * per_page]
        data = json.dumps(body, sort_keys=True).encode()
        etag = '"' + hashlib.sha256(data).hexdigest() + '"'
        headers = {"ETag": etag}
        link = override.get("link") or self.link_header(owner, repo, state, per_page, page, pages)
        if link:
            headers["Link"] = link
        if etag_matches(self.headers.get("If-None-Match"), etag):
            self.record_listing(304)
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.record_listing(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def link_header(self, owner: str, repo: str, state: str, per_page: int, page: int, pages: int) -> str:
        """GitHub's `Link`: absolute URLs on the host the client called; no `next` on the last page."""
        base = f"http://{self.headers.get('Host') or 'localhost'}/repos/{owner}/{repo}/pulls"

        def url(target: int) -> str:
            return base + "?" + urlencode({"state": state, "per_page": per_page, "page": target})

        links = []
        if page < pages:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(pages)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        return ", ".join(links)

    def record_listing(self, status: int) -> None:
        with self.state.lock:
            self.state.listings.append({"path": self.path, "status": status,
                                        "if_none_match": self.headers.get("If-None-Match")})

    def create_status(self, owner: str, repo: str, sha: str, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            return self.reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        if not isinstance(payload, dict):
            return self.reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        state = payload.get("state")
        if state not in STATES:
            return self.reply(422, validation_failed("state", f"state is not included in the list", "invalid"))
        description = payload.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 140):
            return self.reply(422, validation_failed("description", "description is too long (maximum is 140 characters)"))
        context = payload.get("context") or "default"
        with self.state.lock:
            same = sum(1 for s in self.state.statuses
                       if s["_repo"] == f"{owner}/{repo}" and s["_sha"] == sha and s["context"].lower() == context.lower())
            if same >= MAX_PER_CONTEXT:
                body422 = validation_failed("context", f"This SHA and context has reached the maximum number of statuses.")
                return self.reply(422, body422)
            status = {"id": self.state.next_id, "state": state, "description": description,
                      "target_url": payload.get("target_url"), "context": context,
                      "created_at": now(), "updated_at": now(), "creator": {"login": "prenv[bot]"},
                      "_repo": f"{owner}/{repo}", "_sha": sha,
                      # Which token wrote it (a hash, never the token) and when, by this process's clock.
                      "_token": token_hash(self.headers.get("Authorization") or ""), "_received_at": time.time()}
            self.state.next_id += 1
            self.state.statuses.append(status)
        self.reply(201, {k: v for k, v in status.items() if not k.startswith("_")})

    def admin(self, path: str, body: bytes) -> None:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self.reply(400, {"message": "admin body must be JSON"})
        if path == "/_standin/reset":
            with self.state.lock:
                self.state.reset()
            return self.reply(200, {"ok": True})
        if path == "/_standin/enterprise":
            with self.state.lock:
                self.state.rate_limit_disabled = bool(payload.get("rate_limit_disabled", True))
            return self.reply(200, {"ok": True})
        if path == "/_standin/pulls":
            pull = pull_request(payload)
            with self.state.lock:
                self.state.pulls[(payload["repository"].lower(), int(payload["number"]))] = pull
            return self.reply(200, pull)
        if path == "/_standin/listing":
            override = {key: payload[key] for key in ("link", "body") if key in payload}
            with self.state.lock:
                self.state.listing_override = override
            return self.reply(200, {"ok": True})
        if path == "/_standin/faults":
            fault = dict(payload)
            fault["count"] = int(fault.get("count", 1))
            with self.state.lock:
                self.state.faults.append(fault)
            return self.reply(200, {"ok": True, "pending": len(self.state.faults)})
        if any(handler(self, path, payload) for handler in registry.ADMIN_HANDLERS):
            return
        self.reply(404, {"message": f"unknown admin path {path}"})


def number(values: list[str] | None, default: int) -> int:
    """A numeric query parameter; GitHub ignores one that is not a number."""
    try:
        return int((values or [""])[0])
    except ValueError:
        return default


def etag_matches(header: str | None, etag: str) -> bool:
    """`If-None-Match` uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored, `*` matches."""
    if not header:
        return False
    candidates = [tag.strip() for tag in header.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in candidates)


def pull_request(spec: dict) -> dict:
    """A pull request in GitHub's shape (the fields `GET /repos/{o}/{r}/pulls/{n}` documents) from
    {"repository", "number", "state", "head_sha", "head_ref", "base_ref", "labels", "updated_at", "fork"}."""
    repository = spec["repository"]
    owner, name = repository.split("/", 1)
    head_repo = f"contributor/{name}" if spec.get("fork") else repository
    return {
        "number": int(spec["number"]), "state": spec.get("state", "open"), "merged": bool(spec.get("merged", False)),
        "head": {"sha": spec["head_sha"], "ref": spec.get("head_ref", "feature"),
                 "repo": {"full_name": head_repo, "fork": bool(spec.get("fork"))}},
        "base": {"ref": spec.get("base_ref", "main"), "repo": {"full_name": repository}},
        "user": {"login": spec.get("author", "octocat")},
        "labels": [{"name": label} for label in spec.get("labels", [])],
        "updated_at": spec.get("updated_at") or now(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="standin.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = a free port")
    p.add_argument("--token", default="ghs_standin_token", help="the token accepted (see --extra-token)")
    p.add_argument("--extra-token", action="append", default=[],
                   help="another token accepted as the same user (e.g. one per prenv replica, to tell their writes apart)")
    p.add_argument("--ready-file", default=None, help="write {url, port, pid} as JSON here once serving")
    p.add_argument("--exit-with-parent", action="store_true", help="exit when the parent process goes away")
    for add_arguments in registry.ARGUMENT_HOOKS:
        add_arguments(p)
    args = p.parse_args(argv)
    for configure in registry.CONFIGURE_HOOKS:
        configure(args)
    Handler.state = State(args.token)
    Handler.state.extra_tokens = set(args.extra_token)
    try:
        server = Server((args.host, args.port), Handler)
    except OSError as err:
        print(f"github-standin: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent may start us with these blocked (seen under Swift's Process): then SIGTERM would
    # never arrive and every stop would wait for SIGKILL.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.exit_with_parent:
        parent = os.getppid()

        def watch_parent() -> None:
            while not stopping.wait(1.0):
                if os.getppid() != parent:
                    stop(None, None)

        threading.Thread(target=watch_parent, daemon=True).start()
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"url": url, "port": port, "pid": os.getpid()}, f)
        os.replace(tmp, args.ready_file)
    print(f"github-standin listening on {url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    sys.stdout.flush()
    os._exit(0)  # never wait on keep-alive connection threads


if __name__ == "__main__":
    sys.exit(main())
