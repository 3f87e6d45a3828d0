"""Request counters: per service/operation, per access key, and injected faults."""

from __future__ import annotations

import threading
from collections import defaultdict

from wire import CallInfo

OUTCOMES = ("throttled", "errors", "delayed", "held")  # what an injected fault did to a call


def _tree():
    return defaultdict(lambda: defaultdict(int))


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._total = 0
        self._requests = _tree()
        self._by_key: dict[str, defaultdict] = defaultdict(_tree)
        self._injected = {outcome: _tree() for outcome in OUTCOMES}
        self._injected_by_key: dict[str, dict] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))

    def request(self, info: CallInfo) -> None:
        with self._lock:
            self._total += 1
            self._requests[info.service][info.operation] += 1
            if info.access_key:
                self._by_key[info.access_key][info.service][info.operation] += 1

    def injected(self, info: CallInfo, outcome: str) -> None:
        """outcome: one of OUTCOMES"""
        with self._lock:
            self._injected[outcome][info.service][info.operation] += 1
            if info.access_key:
                self._injected_by_key[info.access_key][outcome] += 1

    def snapshot(self, access_key: str | None = None) -> dict:
        with self._lock:
            if access_key is not None:
                return {
                    "access_key": access_key,
                    "requests": _plain(self._by_key.get(access_key, {})),
                    "injected": dict(self._injected_by_key.get(access_key, dict.fromkeys(OUTCOMES, 0))),
                }
            return {
                "total": self._total,
                "requests": _plain(self._requests),
                "injected": {k: _plain(v) for k, v in self._injected.items()},
                "by_access_key": {k: _plain(v) for k, v in self._by_key.items()},
            }


def _plain(tree) -> dict:
    return {k: dict(v) for k, v in tree.items()}
