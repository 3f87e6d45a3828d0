"""Repository contents, as `GET /repos/{o}/{r}/contents/{path}?ref=R` serves them: what prenv reads
to find the blueprints a repository keeps in `.prenv/`. A tree per (repository, ref) is set through
the admin API; the route answers as GitHub does, quirks included, so a reader that trusts the wrong
field fails here first:
- a directory is a JSON array sorted by name; each entry embeds `?ref=` in its URLs (so the same
  folder's listing, and its ETag, differ per ref); a directory's `sha` is a tree hash over its
  children, so a change deep inside changes every listing above it, as git's tree ids do;
- a submodule is listed with `"type": "file"` (GitHub keeps that for backwards compatibility) but
  `download_url: null` and a `git/trees` `git_url`; requested directly it is `"type": "submodule"`;
- a symlink is listed as `"type": "symlink"`; requested directly, GitHub answers with the *target's*
  content when the target is a regular file of the repository, else with `{type: symlink, target}`;
- a file over 1 MB (1,048,576 bytes) comes back with `"encoding": "none"` and `"content": ""`;
- base64 content is wrapped with a newline every 60 characters;
- a strong `ETag` (SHA-256 of the body) on every 200; `If-None-Match` naming it → 304, no body.
Every request is counted for `GET /_standin/contents`. Stdlib only."""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
import threading
import time
from urllib.parse import parse_qs, quote, unquote

import registry

DOCS = "https://docs.github.com/rest/repos/contents#get-repository-content"
MAX_CONTENT = 1024 * 1024  # GitHub sends no content for larger files
SHA = re.compile(r"^[0-9a-f]{40}$")


class Node:
    """One tree entry: a regular file (`data`), a symlink (`target`) or a submodule."""

    def __init__(self, kind: str, data: bytes = b"", target: str = "") -> None:
        self.kind = kind      # file | symlink | submodule
        self.data = data
        self.target = target

    @property
    def sha(self) -> str:
        if self.kind == "submodule":
            return hashlib.sha1(b"submodule " + self.target.encode()).hexdigest()
        payload = self.data if self.kind == "file" else self.target.encode()
        return hashlib.sha1(b"blob %d\0" % len(payload) + payload).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data) if self.kind == "file" else len(self.target.encode()) if self.kind == "symlink" else 0


class Contents:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.trees: dict[tuple[str, str], dict[str, Node]] = {}  # (repository lower, ref) -> {path: node}
        self.defaults: dict[str, str] = {}                         # repository lower -> default branch
        self.requests: list[dict] = []                             # {path, ref, status, if_none_match}
        self.faults: list[dict] = []                               # {"status", "count", "message"}
        self.delay = 0.0                                           # seconds before every answer (to overlap readers)


contents = Contents()


def reset(_state) -> None:
    global contents
    contents = Contents()


registry.RESET_HOOKS.append(reset)


def clean_path(path: str) -> str | None:
    """A repository path without leading/trailing slashes; None when it has `.`/`..` or empty segments."""
    path = path.strip("/")
    if path == "":
        return ""
    segments = path.split("/")
    if any(segment in ("", ".", "..") or "\0" in segment for segment in segments):
        return None
    return path


def node_of(value) -> Node:
    if isinstance(value, str):
        return Node("file", value.encode("utf-8"))
    if isinstance(value, dict):
        if "symlink" in value:
            return Node("symlink", target=str(value["symlink"]))
        if "size" in value:
            return Node("file", b"a" * int(value["size"]))
        if value.get("submodule"):
            return Node("submodule", target=str(value.get("url", "https://github.com/acme/submodule.git")))
        if "base64" in value:
            return Node("file", base64.b64decode(value["base64"]))
    raise ValueError(f"a file is text, or one of symlink/size/submodule/base64, not {value!r}")


def tree_sha(tree: dict[str, Node], directory: str) -> str:
    """A stand-in for git's tree id: a hash over the names and ids of everything below `directory`."""
    prefix = directory + "/" if directory else ""
    below = sorted((path, node.kind, node.sha) for path, node in tree.items() if path.startswith(prefix))
    return hashlib.sha1(json.dumps(below).encode()).hexdigest()


def children(tree: dict[str, Node], directory: str) -> dict[str, Node | None]:
    """The entries right inside `directory`: name -> node, or None for a sub-directory."""
    prefix = directory + "/" if directory else ""
    found: dict[str, Node | None] = {}
    for path, node in tree.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        name, slash, _ = rest.partition("/")
        found[name] = None if slash else node
    return found


def take_fault() -> dict | None:
    with contents.lock:
        if not contents.faults:
            return None
        fault = contents.faults[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            contents.faults.pop(0)
        return dict(fault)


def record(path: str, ref: str | None, status: int, if_none_match: str | None) -> None:
    with contents.lock:
        contents.requests.append({"path": path, "ref": ref, "status": status, "if_none_match": if_none_match})


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/contents(?:/(.*))?$")
def get_contents(h, match, _body: bytes) -> None:
    owner, repo, raw_path = match.groups()
    path = "/".join(unquote(segment) for segment in (raw_path or "").split("/"))
    query = parse_qs(h.path.partition("?")[2], keep_blank_values=True)
    asked = (query.get("ref") or [None])[0]
    if_none_match = h.headers.get("If-None-Match")
    if (fault := take_fault()) is not None:
        record(path, asked, fault["status"], if_none_match)
        return h.reply(fault["status"], {"message": fault.get("message", "Server Error")})
    repository = f"{owner}/{repo}".lower()
    with contents.lock:
        delay = contents.delay
    if delay > 0:
        time.sleep(delay)
    with contents.lock:
        ref = asked or contents.defaults.get(repository)
        tree = contents.trees.get((repository, ref)) if ref else None
    cleaned = clean_path(path)
    body = None if tree is None or cleaned is None else answer(h, owner, repo, tree, cleaned, ref)
    if body is None:
        record(path, asked, 404, if_none_match)
        return h.reply(404, {"message": "Not Found", "documentation_url": DOCS})
    data = json.dumps(body, sort_keys=True).encode()
    etag = '"' + hashlib.sha256(data).hexdigest() + '"'
    if etag_matches(if_none_match, etag):
        record(path, asked, 304, if_none_match)
        h.send_response(304)
        h.send_header("ETag", etag)
        h.end_headers()
        return
    record(path, asked, 200, if_none_match)
    h.send_response(200)
    h.send_header("Content-Type", "application/json; charset=utf-8")
    h.send_header("Content-Length", str(len(data)))
    h.send_header("ETag", etag)
    h.end_headers()
    h.wfile.write(data)


def answer(h, owner: str, repo: str, tree: dict[str, Node], path: str, ref: str):
    """The JSON GitHub would send for `path`, or None for a 404."""
    node = tree.get(path)
    if node is not None:
        if node.kind == "symlink":
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), node.target))
            followed = tree.get(target) if not target.startswith("../") and target != ".." else None
            if followed is not None and followed.kind == "file":
                return file_object(h, owner, repo, target, followed, ref)  # GitHub follows to a regular file
        return file_object(h, owner, repo, path, node, ref)
    listing = children(tree, path)
    if not listing:
        return None  # neither a file nor a directory (the root of an empty tree is a 404 too)
    return [entry(h, owner, repo, f"{path}/{name}" if path else name, child, tree, ref, listed=True)
            for name, child in sorted(listing.items())]


def entry(h, owner: str, repo: str, path: str, node: Node | None, tree: dict[str, Node], ref: str, listed: bool) -> dict:
    api = f"http://{h.headers.get('Host') or 'localhost'}/repos/{owner}/{repo}"
    quoted_path, quoted_ref = quote(path), quote(ref, safe="")
    if node is None:
        kind, sha, size = "dir", tree_sha(tree, path), 0
    else:
        kind, sha, size = node.kind, node.sha, node.size
    if kind == "submodule" and listed:
        kind = "file"  # GitHub's backwards-compatible listing of a submodule
    git_url = f"{api}/git/{'trees' if node is None or node.kind == 'submodule' else 'blobs'}/{sha}"
    html_url = f"https://github.com/{owner}/{repo}/{'tree' if node is None else 'blob'}/{quote(ref)}/{quoted_path}"
    download = (f"https://raw.githubusercontent.com/{owner}/{repo}/{quote(ref)}/{quoted_path}"
                if node is not None and node.kind in ("file", "symlink") else None)
    url = f"{api}/contents/{quoted_path}?ref={quoted_ref}"
    return {"type": kind, "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "size": size,
            "url": url, "html_url": html_url, "git_url": git_url, "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html_url}}


def file_object(h, owner: str, repo: str, path: str, node: Node, ref: str) -> dict:
    body = entry(h, owner, repo, path, node, {}, ref, listed=False)
    if node.kind == "symlink":
        body["target"] = node.target
    elif node.kind == "submodule":
        body["submodule_git_url"] = node.target
    elif node.size > MAX_CONTENT:
        body.update(encoding="none", content="")
    else:
        encoded = base64.b64encode(node.data).decode()
        body.update(encoding="base64", content="".join(encoded[i:i + 60] + "\n" for i in range(0, len(encoded), 60)))
    return body


def etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), as standin.py's listings: `W/` ignored, `*` matches."""
    if not header:
        return False
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def admin(h, path: str, payload: dict) -> bool:
    if path == "/_standin/contents":
        # {"repository", "ref", "commit"?, "default"?, "files": {path: text | {symlink|size|submodule|base64}}}
        try:
            repository = str(payload["repository"]).lower()
            ref = str(payload["ref"])
            tree: dict[str, Node] = {}
            for raw, value in (payload.get("files") or {}).items():
                cleaned = clean_path(raw)
                if not cleaned:
                    raise ValueError(f"bad path {raw!r}")
                tree[cleaned] = node_of(value)
        except (KeyError, ValueError, TypeError) as err:
            h.reply(400, {"error": str(err)})
            return True
        with contents.lock:
            contents.trees[(repository, ref)] = tree
            if payload.get("commit"):
                contents.trees[(repository, str(payload["commit"]))] = tree
            if payload.get("default"):
                contents.defaults[repository] = ref
        h.reply(200, {"ok": True, "files": len(tree)})
        return True
    if path == "/_standin/contents/faults":
        # {"status": 502, "count": 1}: the next contents requests fail so (after the credential checks).
        with contents.lock:
            contents.faults.append({"status": int(payload.get("status", 502)), "count": int(payload.get("count", 1)),
                                    "message": payload.get("message", "Server Error")})
        h.reply(200, {"ok": True})
        return True
    if path == "/_standin/contents/delay":
        # {"seconds": 0.3}: every contents answer waits so long (lets a test overlap two readers).
        with contents.lock:
            contents.delay = float(payload.get("seconds", 0))
        h.reply(200, {"ok": True})
        return True
    return False


def reader(h, path: str) -> bool:
    if path != "/_standin/contents":
        return False
    with contents.lock:
        requests = list(contents.requests)
    counts: dict[str, int] = {"200": 0, "304": 0, "404": 0}
    for request in requests:
        counts[str(request["status"])] = counts.get(str(request["status"]), 0) + 1
    h.reply(200, {"requests": requests, "counts": counts})
    return True


registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(reader)
