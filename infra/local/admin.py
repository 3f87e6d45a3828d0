"""The admin API under /_prenv/ (JSON in, JSON out). See README.md for curl examples."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from faults import RuleError
from wire import Request, Response, plain_json

if TYPE_CHECKING:  # pragma: no cover
    from proxy import Layer


class BadRequest(Exception):
    pass


def _body(req: Request) -> dict:
    if not req.body.strip():
        return {}
    try:
        value = json.loads(req.body)
    except ValueError as err:
        raise BadRequest(f"body is not JSON: {err}") from err
    if not isinstance(value, dict):
        raise BadRequest("body must be a JSON object")
    return value


def _require(body: dict, *names: str) -> None:
    missing = [n for n in names if not body.get(n)]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")


def _q(req: Request, name: str) -> str | None:
    values = req.query.get(name)
    return values[0] if values else None


def handle(layer: "Layer", req: Request) -> Response:
    try:
        return _route(layer, req)
    except (BadRequest, RuleError, ValueError, TypeError) as err:
        return plain_json(400, {"error": str(err)})


def _route(layer: "Layer", req: Request) -> Response:
    path = req.path.rstrip("/")
    method = req.method

    if path == "/_prenv/health" and method in ("GET", "HEAD"):
        return plain_json(200, {
            "status": "ok",
            "moto": {"host": layer.moto.host, "port": layer.moto.port},
            "verify_signatures": layer.moto.verify_signatures,
            "config": layer.config.to_json(),
            "uptime_seconds": round(time.time() - layer.started, 3),
        })

    if path == "/_prenv/reset" and method == "POST":
        body = _body(req)
        layer.reset(moto=bool(body.get("moto", False)))
        return plain_json(200, {"status": "ok", "moto_reset": bool(body.get("moto", False))})

    if path == "/_prenv/config":
        if method == "POST":
            layer.configure(_body(req))
        elif method != "GET":
            return _not_found(req)
        out = layer.config.to_json()
        out["verify_signatures"] = layer.moto.verify_signatures
        return plain_json(200, out)

    if path == "/_prenv/faults":
        if method == "POST":
            rule = layer.faults.add(_body(req))
            return plain_json(201, rule.to_json())
        if method == "GET":
            return plain_json(200, {"faults": layer.faults.list()})
        if method == "DELETE":
            removed = layer.faults.remove_where(access_key=_q(req, "access_key"), service=_q(req, "service"))
            return plain_json(200, {"deleted": removed})
    if path.startswith("/_prenv/faults/") and path.endswith("/release") and method == "POST":
        rule_id = unquote(path[len("/_prenv/faults/"):-len("/release")])
        rule = layer.faults.release(rule_id)
        if rule is None:
            return plain_json(404, {"error": f"no fault rule {rule_id}"})
        if rule.kind != "hold":
            raise BadRequest(f"fault rule {rule_id} is a {rule.kind} rule, not a hold")
        return plain_json(200, rule.to_json())
    if path.startswith("/_prenv/faults/") and method == "DELETE":
        rule_id = unquote(path[len("/_prenv/faults/"):])
        if layer.faults.remove(rule_id):
            return plain_json(200, {"deleted": rule_id})
        return plain_json(404, {"error": f"no fault rule {rule_id}"})

    if path == "/_prenv/stats" and method == "GET":
        out = layer.stats.snapshot(_q(req, "access_key"))
        if _q(req, "access_key") is None:
            out["credentials"] = layer.creds.snapshot()["fetches"]
        return plain_json(200, out)

    if path == "/_prenv/codepipeline/fail-stage":
        if method == "POST":
            body = _body(req)
            _require(body, "pipeline", "stage")
            count = None if body.get("persistent") else int(body.get("count", 1))
            out = layer.pipelines.set_fail_stage(
                body["pipeline"], body["stage"], body.get("message") or f"Stage {body['stage']} failed (injected by prenv-local)",
                body.get("action"), count,
            )
            return plain_json(200, out)
        if method == "DELETE":
            pipeline = _q(req, "pipeline") or _body(req).get("pipeline")
            if not pipeline:
                raise BadRequest("pipeline is required")
            return plain_json(200, {"deleted": layer.pipelines.clear_fail_stage(pipeline)})
        if method == "GET":
            return plain_json(200, {"rules": layer.pipelines.fail_rules()})

    if path == "/_prenv/cloudformation/fail-stack":
        if method == "POST":
            body = _body(req)
            _require(body, "stack_name", "reason")
            on = body.get("on", "create")
            if on not in ("create", "update", "delete"):
                raise BadRequest("on must be create, update or delete")
            return plain_json(200, layer.stacks.set_fail(body["stack_name"], body["reason"], on, body.get("logical_id")))
        if method == "DELETE":
            name = _q(req, "stack_name") or _body(req).get("stack_name")
            if not name:
                raise BadRequest("stack_name is required")
            return plain_json(200, {"deleted": layer.stacks.clear_fail(name, _q(req, "on"))})
        if method == "GET":
            return plain_json(200, {"rules": layer.stacks.fail_rules(), "in_flight": layer.stacks.in_flight()})

    if path == "/_prenv/iam/user" and method == "POST":
        body = _body(req)
        return plain_json(200, layer.moto.create_user(body.get("user_name"), body.get("account_id") or "123456789012"))

    if path == "/_prenv/iam/enforce":
        if method == "POST":
            body = _body(req)
            _require(body, "access_key_id")
            try:
                return plain_json(200, layer.iam.enable(body["access_key_id"], body.get("account_id") or "123456789012"))
            except KeyError as err:
                return plain_json(404, {"error": err.args[0]})
        if method == "DELETE":
            key = _q(req, "access_key_id") or _body(req).get("access_key_id")
            if not key:
                raise BadRequest("access_key_id is required")
            return plain_json(200, {"disabled": layer.iam.disable(key)})
        if method == "GET":
            return plain_json(200, layer.iam.snapshot(_q(req, "access_key_id")))

    if path == "/_prenv/credentials":
        if method == "POST":
            layer.creds.configure(_body(req))
        elif method != "GET":
            return _not_found(req)
        return plain_json(200, layer.creds.snapshot())

    return _not_found(req)


def _not_found(req: Request) -> Response:
    return plain_json(404, {"error": f"no admin route {req.method} {req.path}"})
