"""Who may write to a repository, and reactions on issue comments: what `/prenv` comment commands
need. `GET /repos/{o}/{r}/collaborators/{user}/permission` answers as GitHub does (`permission` is the
legacy level `admin|write|read|none`, `role_name` the finer role: `maintain` reads as `write`, `triage`
as `read`); anyone the admin API did not set reads as `read`, as on a public repository, and a login
declared unknown gets GitHub's 404 (GitHub answers 404 `Not Found` for a user that does not exist;
callers must not read that as "no permission" silently). Reactions: 201 new, 200 when the same user
already left the same reaction, 422 for a `content` GitHub does not know, 404 for a comment that does
not exist (read from `comments.py`'s live comments). Every permission lookup and reaction is counted,
so a test can assert what a cache saved. Stdlib only."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import comments as comment_store
import registry

PERMISSION_DOCS = "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user"
REACTION_DOCS = "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment"
CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
# role -> the legacy `permission` GitHub reports beside it
ROLES = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none"}


class Collaborators:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.roles: dict[tuple[str, str], str] = {}  # (repository lower, login lower) -> role
        self.unknown: set[str] = set()                # logins that do not exist (404)
        self.lookups: list[dict] = []                 # every permission request: {repository, login, status}
        self.reactions: list[dict] = []               # live reactions: {id, comment_id, content, login, repository}
        self.reaction_requests: list[dict] = []       # every reaction request: {comment_id, content, login, status}
        self.faults: list[dict] = []                  # {"status", "count"} for the next permission lookups
        self.next_id = 7_000_001


collaborators = Collaborators()


def reset(_state) -> None:
    global collaborators
    collaborators = Collaborators()


registry.RESET_HOOKS.append(reset)


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/collaborators/([^/]+)/permission$")
def permission(h, match, _body: bytes) -> None:
    owner, repo, user = match.groups()
    repository = f"{owner}/{repo}".lower()
    with collaborators.lock:
        fault = collaborators.faults[0] if collaborators.faults else None
        if fault is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                collaborators.faults.pop(0)
        status = int(fault.get("status", 502)) if fault else (404 if user.lower() in collaborators.unknown else 200)
        role = collaborators.roles.get((repository, user.lower()), "read")
        collaborators.lookups.append({"repository": f"{owner}/{repo}", "login": user, "status": status})
    if fault is not None:
        return h.reply(status, {"message": fault.get("message", "Server Error")})
    if status == 404:
        return h.reply(404, {"message": "Not Found", "documentation_url": PERMISSION_DOCS})
    h.reply(200, {"permission": ROLES[role], "role_name": role,
                  "user": {"login": user, "type": "User", "site_admin": False,
                           "permissions": {"admin": role == "admin", "maintain": role in ("admin", "maintain"),
                                           "push": ROLES[role] in ("admin", "write"),
                                           "triage": role in ("admin", "maintain", "write", "triage"),
                                           "pull": role != "none"}}})


@registry.route("POST", r"^/repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)/reactions$", write=True)
def react(h, match, body: bytes) -> None:
    owner, repo, comment_id = match.groups()
    login = registry.login(h)
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return h.reply(400, {"message": "Problems parsing JSON", "documentation_url": REACTION_DOCS})
    content = payload.get("content") if isinstance(payload, dict) else None
    with comment_store.comments.lock:
        comment = comment_store.comments.by_id.get(int(comment_id))
        exists = comment is not None and comment["_repository"] == f"{owner}/{repo}".lower()
    with collaborators.lock:
        if not exists:
            status = 404
        elif content not in CONTENTS:
            status = 422
        else:
            existing = next((r for r in collaborators.reactions if r["comment_id"] == int(comment_id)
                             and r["content"] == content and r["login"] == login), None)
            status = 200 if existing else 201
            if existing is None:
                existing = {"id": collaborators.next_id, "comment_id": int(comment_id), "content": content, "login": login,
                            "repository": f"{owner}/{repo}"}
                collaborators.next_id += 1
                collaborators.reactions.append(existing)
        collaborators.reaction_requests.append({"comment_id": int(comment_id), "content": content, "login": login, "status": status})
    if status == 404:
        return h.reply(404, {"message": "Not Found", "documentation_url": REACTION_DOCS})
    if status == 422:
        return h.reply(422, {"message": "Validation Failed",
                             "errors": [{"resource": "Reaction", "code": "invalid", "field": "content"}],
                             "documentation_url": REACTION_DOCS})
    h.reply(status, {"id": existing["id"], "content": content, "user": {"login": login},
                     "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})


def admin(h, path: str, payload: dict) -> bool:
    if path == "/_standin/permissions":
        # {"repository": "acme/web", "login": "alice", "role": "write"}; role one of ROLES.
        role = payload.get("role", "")
        if role not in ROLES:
            h.reply(400, {"error": f"role must be one of {sorted(ROLES)}"})
            return True
        with collaborators.lock:
            collaborators.roles[(payload["repository"].lower(), payload["login"].lower())] = role
        h.reply(200, {"ok": True})
        return True
    if path == "/_standin/permissions/unknown":
        # {"login": "ghost"}: a login that does not exist on GitHub (404 from the permission route).
        with collaborators.lock:
            collaborators.unknown.add(payload["login"].lower())
        h.reply(200, {"ok": True})
        return True
    if path == "/_standin/permissions/faults":
        # {"status": 502, "count": 1}: the next permission lookups fail so.
        with collaborators.lock:
            collaborators.faults.append({"status": int(payload.get("status", 502)), "count": int(payload.get("count", 1)),
                                         "message": payload.get("message", "Server Error")})
        h.reply(200, {"ok": True})
        return True
    return False


def reader(h, path: str) -> bool:
    if path != "/_standin/collaborators":
        return False
    with collaborators.lock:
        answer = {"lookups": list(collaborators.lookups), "reactions": list(collaborators.reactions),
                  "reaction_requests": list(collaborators.reaction_requests)}
    h.reply(200, answer)
    return True


registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(reader)
