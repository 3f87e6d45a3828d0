"""Deployments and deployment statuses, as GitHub serves them: what gives a pull request its "View
deployment" button. Enforces GitHub's validation for these routes: a `ref` is required and must
resolve (40 hex characters, or a ref registered through admin), `environment` at most 255
characters, `required_contexts` checked against the commit's statuses (409 when any is pending or
failed), a status `state` from GitHub's list, `description` at most 140 characters, `environment_url`
and `log_url` http(s) URLs; 404 for an unknown deployment. Admin paths queue 409/422 faults for the
next deployments and read everything back."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs

import registry

DOCS = "https://docs.github.com/rest/deployments/deployments"
STATUS_DOCS = "https://docs.github.com/rest/deployments/statuses"
STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
SHA = re.compile(r"^[0-9a-fA-F]{40}$")


class Deployments:
    def __init__(self, state=None) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[int, dict] = {}
        self.statuses: dict[int, list[dict]] = {}   # per deployment, oldest first
        self.refs: set[str] = set()                 # refs registered through admin (branch names)
        self.faults: list[dict] = []                # {"status": 409|422, "message", "count"}
        self.requests: list[dict] = []              # every deployment write: {"kind", "status", "repository", ...}
        self.next_id = 7_000_001
        self.next_status_id = 8_000_001
        self.standin = state                        # standin.State, for commit statuses (required_contexts)


deployments = Deployments()


def reset(state) -> None:
    global deployments
    deployments = Deployments(state)


registry.RESET_HOOKS.append(reset)


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validation(resource: str, field: str, message: str, code: str = "custom", docs: str = DOCS) -> dict:
    return {"message": "Validation Failed",
            "errors": [{"resource": resource, "code": code, "field": field, "message": message}],
            "documentation_url": docs}


def payload_of(h, body: bytes, docs: str):
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        h.reply(400, {"message": "Problems parsing JSON", "documentation_url": docs})
        return None
    return payload


def note(kind: str, status: int, repository: str, **extra) -> None:
    with deployments.lock:
        deployments.requests.append(dict(kind=kind, status=status, repository=repository, **extra))


def take_fault() -> dict | None:
    with deployments.lock:
        if not deployments.faults:
            return None
        fault = deployments.faults[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            deployments.faults.pop(0)
        return dict(fault)


def commit_states(repository: str, sha: str) -> dict[str, str]:
    """The latest state per context of the commit's statuses (standin.py keeps them)."""
    state = deployments.standin
    if state is None:
        return {}
    latest: dict[str, str] = {}
    with state.lock:
        for status in state.statuses:
            if status["_repo"].lower() == repository.lower() and status["_sha"] == sha:
                latest[status["context"]] = status["state"]
    return latest


def public(deployment: dict) -> dict:
    return {k: v for k, v in deployment.items() if not k.startswith("_")}


@registry.route("POST", r"^/repos/([^/]+)/([^/]+)/deployments$", write=True)
def create(h, match, body: bytes) -> None:
    owner, repo = match.groups()
    repository = f"{owner}/{repo}"
    payload = payload_of(h, body, DOCS)
    if payload is None:
        return note("deployment", 400, repository)
    ref = payload.get("ref")
    environment = payload.get("environment", "production")
    if not isinstance(ref, str) or not ref.strip():
        note("deployment", 422, repository)
        return h.reply(422, validation("Deployment", "ref", "ref wasn't supplied.", "missing_field"))
    if not isinstance(environment, str) or len(environment) > 255:
        note("deployment", 422, repository, ref=ref)
        return h.reply(422, validation("Deployment", "environment", "environment is too long (maximum is 255 characters)"))
    with deployments.lock:
        known = ref in deployments.refs
    if not SHA.match(ref) and not known:
        note("deployment", 422, repository, ref=ref)
        return h.reply(422, {"message": f"No ref found for: {ref}", "documentation_url": DOCS + "#create-a-deployment"})
    fault = take_fault()
    if fault is not None:
        status = int(fault.get("status", 409))
        note("deployment", status, repository, ref=ref, injected=True)
        default = "Conflict merging main into " + ref if status == 409 else "Validation Failed"
        return h.reply(status, {"message": fault.get("message", default), "documentation_url": DOCS + "#create-a-deployment"})
    required = payload.get("required_contexts")
    if required is None or (isinstance(required, list) and required):
        states = commit_states(repository, ref)
        wanted = list(states) if required is None else [str(c) for c in required]
        bad = [c for c in wanted if states.get(c) != "success"]
        if bad:
            note("deployment", 409, repository, ref=ref)
            return h.reply(409, {"message": f"Conflict: Commit status checks failed for {ref}.",
                                 "errors": [{"contexts": [{"context": c, "state": states.get(c, "missing")} for c in bad],
                                             "resource": "Deployment", "field": "required_contexts", "code": "invalid"}],
                                 "documentation_url": DOCS + "#create-a-deployment"})
    with deployments.lock:
        deployment_id = deployments.next_id
        deployments.next_id += 1
        deployment = {
            "id": deployment_id, "sha": ref if SHA.match(ref) else "0" * 40, "ref": ref, "task": payload.get("task", "deploy"),
            "environment": environment, "original_environment": environment, "description": payload.get("description"),
            "transient_environment": bool(payload.get("transient_environment", False)),
            "production_environment": bool(payload.get("production_environment", environment == "production")),
            "payload": payload.get("payload", {}), "creator": {"login": registry.login(h)},
            "created_at": stamp(), "updated_at": stamp(),
            "url": f"http://{h.headers.get('Host') or 'localhost'}/repos/{repository}/deployments/{deployment_id}",
            "_repository": repository.lower(), "_auto_merge": payload.get("auto_merge", True),
            "_required_contexts": required,
        }
        deployments.by_id[deployment_id] = deployment
        deployments.statuses[deployment_id] = []
    note("deployment", 201, repository, ref=ref, id=deployment_id, environment=environment)
    h.reply(201, public(deployment))


def is_http_url(value) -> bool:
    return isinstance(value, str) and re.match(r"^https?://[^\s/]+", value) is not None


@registry.route("POST", r"^/repos/([^/]+)/([^/]+)/deployments/([0-9]+)/statuses$", write=True)
def create_status(h, match, body: bytes) -> None:
    owner, repo, deployment_id = match.groups()
    repository = f"{owner}/{repo}"
    with deployments.lock:
        deployment = deployments.by_id.get(int(deployment_id))
    if deployment is None or deployment["_repository"] != repository.lower():
        note("deployment_status", 404, repository, deployment=int(deployment_id))
        return h.reply(404, {"message": "Not Found", "documentation_url": STATUS_DOCS + "#create-a-deployment-status"})
    payload = payload_of(h, body, STATUS_DOCS)
    if payload is None:
        return note("deployment_status", 400, repository, deployment=int(deployment_id))
    state = payload.get("state")
    problem = None
    if state not in STATES:
        problem = validation("DeploymentStatus", "state", "state is not included in the list", "invalid", STATUS_DOCS)
    elif payload.get("description") is not None and (not isinstance(payload["description"], str) or len(payload["description"]) > 140):
        problem = validation("DeploymentStatus", "description", "description is too long (maximum is 140 characters)", docs=STATUS_DOCS)
    else:
        for field in ("environment_url", "log_url", "target_url"):
            if payload.get(field) not in (None, "") and not is_http_url(payload.get(field)):
                problem = validation("DeploymentStatus", field, f"{field} must use http(s) scheme", docs=STATUS_DOCS)
                break
    if problem is not None:
        note("deployment_status", 422, repository, deployment=int(deployment_id), state=state)
        return h.reply(422, problem)
    with deployments.lock:
        status = {"id": deployments.next_status_id, "state": state, "description": payload.get("description") or "",
                  "environment": deployment["environment"], "environment_url": payload.get("environment_url") or "",
                  "log_url": payload.get("log_url") or "", "target_url": payload.get("log_url") or "",
                  "creator": {"login": registry.login(h)}, "created_at": stamp(), "updated_at": stamp(),
                  "deployment_url": deployment["url"], "_auto_inactive": payload.get("auto_inactive", True)}
        deployments.next_status_id += 1
        deployments.statuses[deployment["id"]].append(status)
        deployment["updated_at"] = stamp()
        answer = public(status)
    note("deployment_status", 201, repository, deployment=deployment["id"], state=state)
    h.reply(201, answer)


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/deployments$")
def listing(h, match, _body: bytes) -> None:
    owner, repo = match.groups()
    query = parse_qs(h.path.partition("?")[2])
    environment = (query.get("environment") or [None])[0]
    sha = (query.get("sha") or [None])[0]
    ref = (query.get("ref") or [None])[0]
    with deployments.lock:
        mine = [public(d) for d in sorted(deployments.by_id.values(), key=lambda d: -d["id"])
                if d["_repository"] == f"{owner}/{repo}".lower()
                and (environment is None or d["environment"] == environment)
                and (sha is None or d["sha"] == sha) and (ref is None or d["ref"] == ref)]
    h.reply(200, mine[:100])


@registry.route("GET", r"^/repos/([^/]+)/([^/]+)/deployments/([0-9]+)/statuses$")
def statuses(h, match, _body: bytes) -> None:
    owner, repo, deployment_id = match.groups()
    with deployments.lock:
        deployment = deployments.by_id.get(int(deployment_id))
        found = list(reversed(deployments.statuses.get(int(deployment_id), [])))
    if deployment is None or deployment["_repository"] != f"{owner}/{repo}".lower():
        return h.reply(404, {"message": "Not Found", "documentation_url": STATUS_DOCS + "#list-deployment-statuses"})
    h.reply(200, [public(s) for s in found])


def admin(h, path: str, payload: dict) -> bool:
    if path == "/_standin/deployments/faults":
        # {"status": 409 | 422, "message": "…", "count": 1}: the next deployment creations answer so.
        fault = {"status": int(payload.get("status", 409)), "count": int(payload.get("count", 1))}
        if "message" in payload:
            fault["message"] = str(payload["message"])
        with deployments.lock:
            deployments.faults.append(fault)
            pending = sum(f["count"] for f in deployments.faults)
        h.reply(200, {"ok": True, "pending": pending})
        return True
    if path == "/_standin/deployments/refs":
        # {"ref": "main"}: a ref (branch) the repository has, so a deployment of it resolves.
        with deployments.lock:
            deployments.refs.add(str(payload["ref"]))
        h.reply(200, {"ok": True})
        return True
    return False


def reader(h, path: str) -> bool:
    if path != "/_standin/deployments":
        return False
    with deployments.lock:
        listed = [dict(public(d), repository=d["_repository"], auto_merge=d["_auto_merge"], required_contexts=d["_required_contexts"],
                       statuses=[dict(public(s), auto_inactive=s["_auto_inactive"]) for s in deployments.statuses[d["id"]]])
                  for d in sorted(deployments.by_id.values(), key=lambda d: d["id"])]
        requests = list(deployments.requests)
        faults = [dict(f) for f in deployments.faults]
    h.reply(200, {"deployments": listed, "requests": requests, "pending_faults": faults})
    return True


registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(reader)
