"""Issue comments, as GitHub serves them for a pull request (a PR is an issue): create, edit, list
(oldest first, paged with a Link header), delete; plus admin paths to act as a person (post a comment
as someone else, delete prenv's comment as a user would). Enforces GitHub's validation: a body is
required and at most 65,536 characters; editing or deleting a comment that is gone is a 404."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode

import registry

DOCS = "https://docs.github.com/rest/issues/comments"
MAX_BODY = 65536
MAX_PER_PAGE = 100


class Comments:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[int, dict] = {}   # live comments
        self.deleted: set[int] = set()
        self.history: list[dict] = []      # every create/edit/delete: {"action", "id", "login", "repository", "issue"}
        self.next_id = 9_000_001


comments = Comments()


def reset(_state) -> None:
    global comments
    comments = Comments()


registry.RESET_HOOKS.append(reset)


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validation(message: str, code: str = "custom") -> dict:
    return {"message": "Validation Failed",
            "errors": [{"resource": "IssueComment", "code": code, "field": "body", "message": message}],
            "documentation_url": DOCS}


def read_body_field(h, body: bytes):
    """The `body` field, or None after replying with GitHub's error."""
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        h.reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        return None
    if not isinstance(payload, dict):
        h.reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        return None
    text = payload.get("body")
    if not isinstance(text, str) or text == "":
        h.reply(422, validation("body wasn't supplied.", "missing_field"))
        return None
    if len(text) > MAX_BODY:
        h.reply(422, validation(f"body is too long (maximum is {MAX_BODY} characters)"))
        return None
    return text


def public(comment: dict) -> dict:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def new_comment(repository: str, issue: int, text: str, login: str, host: str) -> dict:
    with comments.lock:
        comment_id = comments.next_id
        comments.next_id += 1
        comment = {"id": comment_id, "body": text, "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
                   "created_at": stamp(), "updated_at": stamp(),
                   "html_url": f"https://github.com/{repository}/pull/{issue}#issuecomment-{comment_id}",
                   "url": f"http://{host}/repos/{repository}/issues/comments/{comment_id}",
                   "_repository": repository.lower(), "_issue": issue, "_edits": 0}
        comments.by_id[comment_id] = comment
        comments.history.append({"action": "created", "id": comment_id, "login": login, "repository": repository, "issue": issue})
    return comment


@registry.route("POST", r"^/repos/([^/]+)/([^/]+)/issues/([0-9]+)/comments$", write=True)
def create(h, match, body: bytes) -> None:
    owner, repo, issue = match.groups()
    text = read_body_field(h, body)
    if text is None:
        return
    comment = new_comment(f"{owner}/{repo}", int(issue), text, registry.login(h), h.headers.get("Host") or "localhost")
    h.reply(201, public(comment))


@registry.route("PATCH", r"^/repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)$", write=True)
def edit(h, match, body: bytes) -> None:
    owner, repo, comment_id = match.groups()
    text = read_body_field(h, body)
    if text is None:
        return
    with comments.lock:
        comment = comments.by_id.get(int(comment_id))
        if comment is None or comment["_repository"] != f"{owner}/{repo}".lower():
            return h.reply(404, {"message": "Not Found", "documentation_url": DOCS + "#update-an-issue-comment"})
        comment["body"] = text
        comment["updated_at"] = stamp()
        comment["_edits"] += 1
        comments.history.append({"action": "edited", "id": comment["id"], "login": registry.login(h),
                                 "repository": f"{owner}/{repo}", "issue": comment["_issue"]})
        answer = public(comment)
    h.reply(200, answer)


@registry.route("DELETE", r"^/repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)$", write=True)
def delete(h, match, _body: bytes) -> None:
    owner, repo, comment_id = match.groups()
    if not remove(int(comment_id), f"{owner}/{repo}", registry.login(h)):
        return h.reply(404, {"message": "Not Found", "documentation_url": DOCS + "#delete-an-issue-comment"})
    h.send_response(204)
    h.send_header("Content-Length", "0")
    h.end_headers()


def remove(comment_id: int, repository: str | None, login: str) -> bool:
    with comments.lock:
        comment = comments.by_id.get(comment_id)
        if comment is None or (repository is not None and comment["_repository"] != repository.lower()):
            return False
        del comments.by_id[comment_id]
        comments.deleted.add(comment_id)
        comments.history.append({"action": "deleted", "id": comment_id, "login": login,
                                 "repository": comment["_repository"], "issue": comment["_issue"]})
        return True


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/issues/([0-9]+)/comments$")
def listing(h, match, _body: bytes) -> None:
    owner, repo, issue = match.groups()
    query = parse_qs(h.path.partition("?")[2])

    def number(name: str, default: int) -> int:
        try:
            return int((query.get(name) or [""])[0])
        except ValueError:
            return default

    per_page = min(max(number("per_page", 30), 1), MAX_PER_PAGE)
    page = max(number("page", 1), 1)
    with comments.lock:
        mine = sorted((c for c in comments.by_id.values()
                       if c["_repository"] == f"{owner}/{repo}".lower() and c["_issue"] == int(issue)), key=lambda c: c["id"])
    pages = max(1, -(-len(mine) // per_page))
    chunk = [public(c) for c in mine[(page - 1) * per_page: page * per_page]]
    base = f"http://{h.headers.get('Host') or 'localhost'}/repos/{owner}/{repo}/issues/{issue}/comments"
    links = []
    if page < pages:
        links += [f'<{base}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"',
                  f'<{base}?{urlencode({"per_page": per_page, "page": pages})}>; rel="last"']
    h.reply(200, chunk, {"Link": ", ".join(links)} if links else None)


def admin(h, path: str, payload: dict) -> bool:
    if path == "/_standin/comments":
        # Post a comment as somebody else, e.g. {"repository": "acme/web", "issue": 5, "body": "…", "login": "mallory"}.
        comment = new_comment(payload["repository"], int(payload["issue"]), payload["body"], payload.get("login", "someone"),
                              h.headers.get("Host") or "localhost")
        h.reply(201, public(comment))
        return True
    if path == "/_standin/comments/delete":
        # A person deleting a comment (prenv's own included): {"id": 9000001}.
        found = remove(int(payload["id"]), None, payload.get("login", "someone"))
        h.reply(200 if found else 404, {"ok": found})
        return True
    return False


def reader(h, path: str) -> bool:
    if path != "/_standin/comments":
        return False
    with comments.lock:
        live = [dict(public(c), repository=c["_repository"], issue=c["_issue"], edits=c["_edits"])
                for c in sorted(comments.by_id.values(), key=lambda c: c["id"])]
        history = list(comments.history)
        deleted = sorted(comments.deleted)
    h.reply(200, {"comments": live, "history": history, "deleted": deleted})
    return True


registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(reader)
