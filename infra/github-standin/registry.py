"""The stand-in's extension points. Each route module (`apps.py`, `deployments.py`, …) registers its
routes and hooks here when standin.py imports it; standin.py dispatches to them. One module per
slice of GitHub's API keeps each readable on its own. Stdlib only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Pattern


@dataclass
class Route:
    method: str            # GET, POST, PATCH, DELETE, PUT
    pattern: Pattern[str]  # matched against the path without the query
    handler: Callable      # handler(h, match, body: bytes) -> None; h is the request's Handler
    auth: bool             # run standin's credential checks first (User-Agent, Authorization)
    write: bool            # a content-creating request: counted and limited by WRITE_GUARDS


ROUTES: list[Route] = []
# fn(state): forget what the module keeps; called by POST /_standin/reset (and at start).
RESET_HOOKS: list[Callable] = []
# fn(h, scheme, token) -> bool: accept an Authorization token other than --token (e.g. App tokens).
# A check may raise `Refusal` to answer with something other than 401 "Bad credentials" (GitHub
# answers 404 when an installation token asks about a repository the installation cannot see).
TOKEN_CHECKS: list[Callable] = []
# fn(h, token) -> str | None: the login a token acts as (an App's `slug[bot]`); None when unknown.
IDENTITIES: list[Callable] = []


class Refusal(Exception):
    """Raised by a TOKEN_CHECKS function: standin answers `status` with `body` and stops there."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
# fn(h) -> bool: called before every write, after the credential checks; True when it already
# replied (a rate limit hit), so the write must not happen.
WRITE_GUARDS: list[Callable] = []
# fn(h, path, payload) -> bool: admin paths under /_standin/; True when it replied.
ADMIN_HANDLERS: list[Callable] = []
# fn(h, path) -> bool: admin GET paths under /_standin/; True when it replied.
ADMIN_READERS: list[Callable] = []
# fn(parser): add a module's command-line flags to standin.py's argparse parser.
ARGUMENT_HOOKS: list[Callable] = []
# fn(args): read those flags once parsed, before the server starts.
CONFIGURE_HOOKS: list[Callable] = []


def route(method: str, pattern: str, *, auth: bool = True, write: bool = False) -> Callable:
    """Decorator: `@route("POST", r"^/repos/([^/]+)/([^/]+)/deployments$", write=True)`."""
    def register(handler: Callable) -> Callable:
        ROUTES.append(Route(method, re.compile(pattern), handler, auth, write))
        return handler
    return register


def find(method: str, path: str):
    for candidate in ROUTES:
        if candidate.method == method:
            match = candidate.pattern.match(path)
            if match:
                return candidate, match
    return None


DEFAULT_LOGIN = "prenv-user"  # who --token acts as


def login(h) -> str:
    """The login the request's token acts as (comments record it as their author)."""
    token = (h.headers.get("Authorization") or "").partition(" ")[2].strip()
    for identity in IDENTITIES:
        found = identity(h, token)
        if found:
            return found
    return DEFAULT_LOGIN
