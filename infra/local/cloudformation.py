"""CloudFormation stacks that take time, and stacks that fail with a reason.

moto creates, updates and deletes a stack synchronously. This module keeps moto's own
stack object in a `*_IN_PROGRESS` status for `stack_seconds` after the call and then
moves it to its real terminal status, holding back moto's terminal events until then.
Because the state lives in moto's objects, every moto read (DescribeStacks, ListStacks,
DescribeStackEvents, …) agrees. Transitions are applied lazily: each CloudFormation
request first applies every transition whose time has come (no background threads).

DeleteStack is answered here when it must take time or fail: the stack stays in moto,
DELETE_IN_PROGRESS, and moto's real delete runs once `stack_seconds` have passed.

Failure injection (admin API), consumed by the next matching call:
  on=create → CREATE_IN_PROGRESS, then resource CREATE_FAILED (the reason), stack
              ROLLBACK_IN_PROGRESS, then ROLLBACK_COMPLETE (resources stay in moto).
  on=update → UPDATE_IN_PROGRESS, resource UPDATE_FAILED (the reason),
              UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE (moto keeps the new template).
  on=delete → DELETE_IN_PROGRESS, resource DELETE_FAILED (the reason), stack DELETE_FAILED.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from wire import CallInfo, Request, Response, query_error, moto_style_request_id

NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
_NOT_UPDATABLE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED", "CREATE_FAILED"}


@dataclass
class FailSpec:
    stack_name: str
    on: str
    reason: str
    logical_id: str | None = None


@dataclass
class StackOp:
    stack: object  # moto.cloudformation.models.Stack
    backend: object
    kind: str
    t0: float
    seconds: float
    fail: FailSpec | None
    final_status: str = ""
    stash: list = field(default_factory=list)
    steps: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    done: int = 0
    # How many steps had been taken when a DescribeStacks/DescribeStackEvents of this stack last
    # looked: a step runs only once the status it ends was observed, so every *_IN_PROGRESS status is
    # seen by at least one describe, however slowly an overloaded test machine polls.
    observed: int = -1
    readers: int = 0  # describes of this stack in flight: the status must not change under them


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).replace(tzinfo=None)


class CloudFormationProgress:
    def __init__(self, moto, config):
        self._moto = moto
        self._config = config
        self._lock = threading.RLock()
        self._ops: dict[str, StackOp] = {}
        self._fail: dict[tuple[str, str], FailSpec] = {}

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()
            self._fail.clear()

    # ---------------------------------------------------------------- admin
    def set_fail(self, stack_name: str, reason: str, on: str, logical_id: str | None) -> dict:
        spec = FailSpec(stack_name, on, reason, logical_id)
        with self._lock:
            self._fail[(stack_name, on)] = spec
        return vars(spec)

    def clear_fail(self, stack_name: str, on: str | None = None) -> int:
        with self._lock:
            doomed = [k for k in self._fail if k[0] == stack_name and (on is None or k[1] == on)]
            for k in doomed:
                del self._fail[k]
            return len(doomed)

    def fail_rules(self) -> list[dict]:
        with self._lock:
            return [vars(v) for v in self._fail.values()]

    def in_flight(self) -> list[dict]:
        self.tick()
        with self._lock:
            return [
                {"stack_id": sid, "kind": op.kind, "status": getattr(op.stack, "status", None), "started": op.t0}
                for sid, op in self._ops.items()
            ]

    # ------------------------------------------------------------- requests
    def handle(self, req: Request, info: CallInfo, forward: Callable[[Request], Response]) -> Response:
        self.tick()
        action = info.operation
        if action == "CreateStack":
            return self._create(req, info, forward)
        if action == "UpdateStack":
            return self._update(req, info, forward)
        if action == "DeleteStack":
            return self._delete(req, info, forward)
        if action in ("DescribeStacks", "DescribeStackEvents"):
            return self._observed(req.form().get("StackName"), lambda: forward(req))
        return forward(req)

    def _observed(self, name_or_id: str | None, describe: Callable[[], Response]) -> Response:
        """Runs a describe and marks the in-flight operations it reported on as observed in the
        state it showed; no step is taken while the describe is in flight."""
        with self._lock:
            ops = [op for op in self._ops.values() if not name_or_id or name_or_id in (op.stack.stack_id, op.stack.name)]
            for op in ops:
                op.readers += 1
        try:
            return describe()
        finally:
            with self._lock:
                for op in ops:
                    op.readers -= 1
                    op.observed = max(op.observed, op.done)

    def tick(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            for stack_id in list(self._ops):
                op = self._ops[stack_id]
                while (op.done < len(op.steps) and op.steps[op.done][0] <= now
                       and op.observed >= op.done and op.readers == 0):
                    op.done += 1
                    op.steps[op.done - 1][1]()
                if op.done >= len(op.steps):
                    del self._ops[stack_id]

    def _fast_forward(self, stack_id: str) -> None:
        op = self._ops.get(stack_id)
        if op is not None:
            while op.done < len(op.steps):
                op.done += 1
                op.steps[op.done - 1][1]()
            del self._ops[stack_id]

    def _backend(self, req: Request, info: CallInfo):
        return self._moto.cloudformation(self._moto.account_for(req, info), info.region)

    @staticmethod
    def _find(backend, name_or_id: str | None):
        if not name_or_id:
            return None
        stack = backend.stacks.get(name_or_id)
        if stack is not None:
            return stack
        return next((s for s in list(backend.stacks.values()) if s.name == name_or_id), None)

    def _create(self, req: Request, info: CallInfo, forward) -> Response:
        name = req.form().get("StackName", "")
        resp = forward(req)
        t0 = time.time()  # progress starts when the call returns, however long moto took
        if resp.status != 200:
            return resp
        match = re.search(rb"<StackId>([^<]+)</StackId>", resp.body)
        backend = self._backend(req, info)
        stack = backend.stacks.get(match.group(1).decode()) if match else None
        if stack is None:
            return resp
        with self._lock:
            spec = self._fail.pop((name, "create"), None)
            self._begin(backend, stack, "create", t0, spec, events_before=0)
        return resp

    def _update(self, req: Request, info: CallInfo, forward) -> Response:
        name = req.form().get("StackName", "")
        backend = self._backend(req, info)
        stack = self._find(backend, name)
        if stack is not None:
            status = stack.status
            if status.endswith("_IN_PROGRESS") or status in _NOT_UPDATABLE:
                denied = self._moto.check_auth(req, info)
                if denied is not None:
                    return denied
                return query_error(
                    "cloudformation", 400, "ValidationError",
                    f"Stack:{stack.stack_id} is in {status} state and can not be updated.",
                )
        before = len(stack.events) if stack is not None else 0
        resp = forward(req)
        t0 = time.time()
        if resp.status != 200 or stack is None:
            return resp
        with self._lock:
            spec = self._fail.pop((stack.name, "update"), None)
            self._begin(backend, stack, "update", t0, spec, events_before=before)
        return resp

    def _delete(self, req: Request, info: CallInfo, forward) -> Response:
        name = req.form().get("StackName", "")
        backend = self._backend(req, info)
        stack = self._find(backend, name)
        seconds = float(self._config.stack_seconds)
        with self._lock:
            spec = self._fail.get((stack.name, "delete")) if stack is not None else None
            if stack is None or (seconds <= 0 and spec is None):
                return forward(req)
            denied = self._moto.check_auth(req, info)
            if denied is not None:
                return denied
            if stack.status != "DELETE_IN_PROGRESS":
                self._fail.pop((stack.name, "delete"), None)
                self._fast_forward(stack.stack_id)
                self._begin(backend, stack, "delete", time.time(), spec, events_before=len(stack.events))
        rid = moto_style_request_id()
        body = (
            f'<DeleteStackResponse xmlns="{NS}"><ResponseMetadata><RequestId>{rid}</RequestId>'
            "</ResponseMetadata></DeleteStackResponse>"
        )
        return Response(200, [("Content-Type", "text/xml"), ("x-amzn-requestid", rid)], body.encode())

    # ------------------------------------------------------------ timelines
    def _begin(self, backend, stack, kind: str, t0: float, spec: FailSpec | None, events_before: int) -> None:
        seconds = max(0.0, float(self._config.stack_seconds))
        if spec is None and seconds <= 0:
            return
        op = StackOp(stack, backend, kind, t0, seconds, spec)
        if kind in ("create", "update"):
            new = stack.events[events_before:]
            keep = [e for e in new if e.resource_status.endswith("IN_PROGRESS")]
            op.stash = [e for e in new if not e.resource_status.endswith("IN_PROGRESS")]
            stack.events[:] = stack.events[:events_before] + keep
            op.final_status = stack.status
            stack.status = "CREATE_IN_PROGRESS" if kind == "create" else "UPDATE_IN_PROGRESS"
            stack.status_reason = None
        else:
            stack.status = "DELETE_IN_PROGRESS"
            stack.status_reason = None
            self._event(stack, t0, "DELETE_IN_PROGRESS", "User Initiated")
        d = seconds
        if spec is None:
            op.steps = [(t0 + d, lambda: self._complete(op))]
        elif kind == "create":
            op.steps = [(t0 + d, lambda: self._fail_begin(op, "CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "create")),
                        (t0 + 2 * d, lambda: self._rollback_done(op, "ROLLBACK_COMPLETE"))]
        elif kind == "update":
            op.steps = [(t0 + d, lambda: self._fail_begin(op, "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "update")),
                        (t0 + 2 * d, lambda: self._rollback_done(op, "UPDATE_ROLLBACK_COMPLETE"))]
        else:
            op.steps = [(t0 + d, lambda: self._fail_begin(op, "DELETE_FAILED", "DELETE_FAILED", "delete"))]
        self._ops[stack.stack_id] = op

    def _complete(self, op: StackOp) -> None:
        at = op.t0 + op.seconds
        stack = op.stack
        if op.kind == "delete":
            before = len(stack.events)
            op.backend.delete_stack(stack.stack_id)
            added = stack.events[before:]
            stack.events[before:] = [e for e in added if e.resource_status != "DELETE_IN_PROGRESS"]
            for e in stack.events[before:]:
                e.timestamp = _dt(at)
            return
        stack.status = op.final_status
        for e in op.stash:
            e.timestamp = _dt(at)
        stack.events.extend(op.stash)

    def _failing_resource(self, op: StackOp) -> tuple[str, str, str]:
        stack = op.stack
        resources = (getattr(stack, "template_dict", None) or {}).get("Resources") or {}
        logical = (op.fail.logical_id if op.fail else None) or next(iter(resources), None)
        if logical is None:
            return stack.name, "AWS::CloudFormation::Stack", stack.stack_id
        rtype = (resources.get(logical) or {}).get("Type", "AWS::CloudFormation::CustomResource")
        physical = ""
        parsed = getattr(getattr(stack, "resource_map", None), "_parsed_resources", {}) or {}
        resource = parsed.get(logical)
        if resource is not None and op.kind != "create":
            physical = str(getattr(resource, "physical_resource_id", "") or "")
        return logical, rtype, physical

    def _fail_begin(self, op: StackOp, resource_status: str, stack_status: str, verb: str) -> None:
        at = op.t0 + op.seconds
        logical, rtype, physical = self._failing_resource(op)
        stack = op.stack
        self._event(stack, at, resource_status, op.fail.reason, logical, rtype, physical)
        summary = f"The following resource(s) failed to {verb}: [{logical}]. "
        if verb == "create":
            summary += "Rollback requested by user."
        stack.status = stack_status
        stack.status_reason = summary
        self._event(stack, at, stack_status, summary)

    def _rollback_done(self, op: StackOp, final: str) -> None:
        at = op.t0 + 2 * op.seconds
        logical, rtype, physical = self._failing_resource(op)
        stack = op.stack
        if op.kind == "create":
            self._event(stack, at, "DELETE_COMPLETE", None, logical, rtype, physical)
        stack.status = final
        self._event(stack, at, final, None)

    @staticmethod
    def _event(stack, at: float, status: str, reason: str | None, logical: str | None = None,
               rtype: str = "AWS::CloudFormation::Stack", physical: str | None = None) -> None:
        from moto.cloudformation.models import Event

        event = Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical or stack.name,
            physical_resource_id=stack.stack_id if logical is None else (physical or ""),
            resource_type=rtype,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
        event.timestamp = _dt(at)
        stack.events.append(event)
