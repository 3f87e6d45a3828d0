"""Fault injection: latency, holds, throttling, 5xx (or any error) and per-scope rate caps.

A rule is scoped by service, operation and access key (each optional; an unset one
matches everything). Tests sign with a unique fake access key each, so a rule with
`access_key` never touches other tests running in parallel against the same endpoint.

Rule JSON (POST /_prenv/faults):

    {"kind": "throttle" | "error" | "latency" | "hold" | "rps",
     "service": "codebuild", "operation": "StartBuild", "access_key": "AKIA…",
     "rate": 1.0,        # probability per matching call (throttle/error/latency)
     "count": 3,         # fire at most N times, then the rule is exhausted
     "skip": 0,          # let the first K matching calls through first
     "latency_ms": 250,  # latency
     "timeout_ms": 120000,  # hold: go on by itself after this long if never released
     "status": 500,      # error: 500 (InternalFailure/InternalError) or 503 (ServiceUnavailable),
                         #        or any 4xx/5xx together with "code"
     "code": "…", "message": "…",   # optional overrides of the error code/message
     "rps": 5, "burst": 5}          # rps: token bucket per rule; over the cap → throttled
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field, fields

from wire import CallInfo, Response, aws_error, server_error, throttle_error

KINDS = ("throttle", "error", "latency", "hold", "rps")
HOLD_TIMEOUT_MS = 120_000  # a forgotten hold must not keep a server thread forever
SERVICES = ("codebuild", "codepipeline", "cloudformation", "s3", "sts", "iam")


class RuleError(ValueError):
    pass


@dataclass
class Rule:
    id: str
    kind: str
    service: str | None = None
    operation: str | None = None
    access_key: str | None = None
    rate: float = 1.0
    count: int | None = None
    skip: int = 0
    latency_ms: int = 0
    status: int | None = None
    code: str | None = None
    message: str | None = None
    rps: float | None = None
    burst: float | None = None
    timeout_ms: int | None = None
    matched: int = 0
    fired: int = 0
    landed: int | None = None  # hold: held calls that went on and got their answer
    created: float = field(default_factory=time.time)
    # token bucket state (rps rules)
    _tokens: float = field(default=0.0, repr=False)
    _refilled: float = field(default=0.0, repr=False)
    # hold rules: set once released (or deleted); every call held by the rule waits on it
    _release: threading.Event = field(default_factory=threading.Event, repr=False)

    def matches(self, info: CallInfo) -> bool:
        if self.service and self.service != info.service:
            return False
        if self.operation and self.operation.lower() != info.operation.lower():
            return False
        if self.access_key and self.access_key != info.access_key:
            return False
        return True

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def to_json(self) -> dict:
        # not asdict: it deep-copies every field, the release event and its lock too
        data = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        data["exhausted"] = self.exhausted
        if self.kind == "hold":
            data["released"] = self._release.is_set()
        return {k: v for k, v in data.items() if v is not None}


def parse_rule(rule_id: str, body: dict) -> Rule:
    if not isinstance(body, dict):
        raise RuleError("rule must be a JSON object")
    known = {
        "kind", "service", "operation", "access_key", "rate", "count", "skip",
        "latency_ms", "timeout_ms", "status", "code", "message", "rps", "burst",
    }
    unknown = set(body) - known
    if unknown:
        raise RuleError(f"unknown field(s): {', '.join(sorted(unknown))}")
    kind = body.get("kind")
    if kind not in KINDS:
        raise RuleError(f"kind must be one of {', '.join(KINDS)}")
    service = body.get("service")
    if service is not None:
        service = str(service).lower()
    rule = Rule(
        id=rule_id,
        kind=kind,
        service=service,
        operation=body.get("operation"),
        access_key=body.get("access_key"),
        rate=float(body.get("rate", 1.0)),
        count=None if body.get("count") is None else int(body["count"]),
        skip=int(body.get("skip", 0)),
        latency_ms=int(body.get("latency_ms", 0)),
        status=None if body.get("status") is None else int(body["status"]),
        code=body.get("code"),
        message=body.get("message"),
        rps=None if body.get("rps") is None else float(body["rps"]),
        burst=None if body.get("burst") is None else float(body["burst"]),
        timeout_ms=None if body.get("timeout_ms") is None else int(body["timeout_ms"]),
    )
    if not 0.0 <= rule.rate <= 1.0:
        raise RuleError("rate must be between 0 and 1")
    if rule.count is not None and rule.count < 0:
        raise RuleError("count must be >= 0")
    if kind == "latency" and rule.latency_ms <= 0:
        raise RuleError("latency rules need latency_ms > 0")
    if kind == "hold":
        rule.timeout_ms = HOLD_TIMEOUT_MS if rule.timeout_ms is None else rule.timeout_ms
        if not 0 < rule.timeout_ms <= HOLD_TIMEOUT_MS:
            raise RuleError(f"timeout_ms must be between 1 and {HOLD_TIMEOUT_MS}")
        rule.landed = 0
    elif rule.timeout_ms is not None:
        raise RuleError("timeout_ms is for hold rules")
    if kind == "rps":
        if not rule.rps or rule.rps <= 0:
            raise RuleError("rps rules need rps > 0")
        rule.burst = rule.burst if rule.burst and rule.burst > 0 else max(1.0, rule.rps)
        rule._tokens = rule.burst
        rule._refilled = time.monotonic()
    if kind == "error":
        rule.status = rule.status or 500
        if not 400 <= rule.status <= 599:
            raise RuleError("status must be 4xx or 5xx")
        if rule.status < 500 and not rule.code:
            raise RuleError("a 4xx error rule needs a code (e.g. AccessDeniedException)")
    return rule


@dataclass
class Decision:
    delay_seconds: float = 0.0
    holds: list[Rule] = field(default_factory=list)  # wait for each to be released, then go on
    response: Response | None = None
    outcome: str | None = None  # "throttled" | "error"


class FaultInjector:
    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self._rules: dict[str, Rule] = {}
        self._ids = itertools.count(1)
        self._seed = seed
        self._rng = random.Random(seed)

    # ---------------------------------------------------------------- admin
    def add(self, body: dict) -> Rule:
        with self._lock:
            rule = parse_rule(f"f-{next(self._ids)}", body)
            self._rules[rule.id] = rule
            return rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            rule = self._rules.pop(rule_id, None)
        if rule is not None:
            rule._release.set()  # calls it holds go on
        return rule is not None

    def release(self, rule_id: str) -> Rule | None:
        """Lets the calls a hold rule holds go on; later matching calls are no longer held."""
        with self._lock:
            rule = self._rules.get(rule_id)
        if rule is not None and rule.kind == "hold":
            rule._release.set()
        return rule

    def wait_for_release(self, rule: Rule) -> None:
        """Blocks the calling server thread until `rule` is released or its timeout passes."""
        rule._release.wait((rule.timeout_ms or HOLD_TIMEOUT_MS) / 1000.0)

    def landed(self, rule: Rule) -> None:
        with self._lock:
            rule.landed = (rule.landed or 0) + 1

    def remove_where(self, access_key: str | None = None, service: str | None = None) -> int:
        with self._lock:
            doomed = [
                r.id
                for r in self._rules.values()
                if (access_key is None or r.access_key == access_key)
                and (service is None or r.service == service)
            ]
            for rule_id in doomed:
                self._rules.pop(rule_id)._release.set()
            return len(doomed)

    def list(self) -> list[dict]:
        with self._lock:
            return [r.to_json() for r in self._rules.values()]

    def reset(self, seed: int | None = None) -> None:
        with self._lock:
            for rule in self._rules.values():
                rule._release.set()
            self._rules.clear()
            if seed is not None:
                self._seed = seed
            self._rng = random.Random(self._seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._seed = seed
            self._rng = random.Random(seed)

    # ------------------------------------------------------------- decision
    def decide(self, info: CallInfo) -> Decision:
        decision = Decision()
        now = time.monotonic()
        with self._lock:
            rules = [r for r in self._rules.values() if r.matches(info)]
            for rule in rules:
                if rule.kind == "latency" and self._fires(rule):
                    decision.delay_seconds += rule.latency_ms / 1000.0
                if rule.kind == "hold" and not rule._release.is_set() and self._fires(rule):
                    decision.holds.append(rule)
            for rule in rules:
                if rule.kind == "rps" and not self._take_token(rule, now):
                    rule.fired += 1
                    decision.response = throttle_error(info)
                    decision.outcome = "throttled"
                    return decision
            for rule in rules:
                if rule.kind in ("throttle", "error") and self._fires(rule):
                    decision.response = self._error_for(rule, info)
                    decision.outcome = "throttled" if rule.kind == "throttle" else "error"
                    return decision
        return decision

    def _fires(self, rule: Rule) -> bool:
        rule.matched += 1
        if rule.matched <= rule.skip or rule.exhausted:
            return False
        if rule.rate < 1.0 and self._rng.random() >= rule.rate:
            return False
        rule.fired += 1
        return True

    @staticmethod
    def _take_token(rule: Rule, now: float) -> bool:
        rule.matched += 1
        rule._tokens = min(rule.burst or 1.0, rule._tokens + (now - rule._refilled) * (rule.rps or 1.0))
        rule._refilled = now
        if rule._tokens >= 1.0:
            rule._tokens -= 1.0
            return True
        return False

    @staticmethod
    def _error_for(rule: Rule, info: CallInfo) -> Response:
        if rule.kind == "throttle":
            response = throttle_error(info)
            if rule.code or rule.message:
                status = response.status
                code = rule.code or {"json": "ThrottlingException", "rest-xml": "SlowDown"}.get(info.protocol, "Throttling")
                message = rule.message or "Rate exceeded"
                response = aws_error(info, status, code, message)
            return response
        status = rule.status or 500
        if rule.code or rule.message or status not in (500, 502, 503, 504):
            default = server_error(info, status) if status >= 500 else None
            code = rule.code or _code_of(default, info)
            message = rule.message or "Injected by prenv-local"
            return aws_error(info, status, code, message)
        return server_error(info, status)


def _code_of(response: Response | None, info: CallInfo) -> str:
    if response is None:
        return "InternalFailure"
    if info.protocol == "rest-xml":
        return "InternalError" if response.status != 503 else "ServiceUnavailable"
    return "ServiceUnavailable" if response.status == 503 else "InternalFailure"
