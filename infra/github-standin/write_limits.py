"""GitHub's secondary write limits, enforced per token: about 80 content-creating requests a minute
and 500 an hour. A write beyond either is answered as GitHub answers it (403, "You have exceeded a
secondary rate limit", a `Retry-After` in seconds) and does not happen.

Off by default, so tests that do not ask for it are unaffected. Turn it on with
`--writes-per-minute N --writes-per-hour M [--time-scale F]` or `POST /_standin/write-limits`
{"per_minute": N, "per_hour": M, "time_scale": F} (null turns a limit off); `--time-scale 60` makes a
minute last one second and an hour one minute, so a simulated hour passes in a minute (the windows
and `Retry-After` are in real seconds). `GET /_standin/write-limits` counts writes accepted and
refused per token (named by a hash, never the token itself) and in total. Stdlib only.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time

import registry

MINUTE = 60.0
HOUR = 3600.0
DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
           "If you reach out to GitHub Support for help, please include the request ID.")


class Limits:
    """Configuration from the command line (restored by reset) and what was counted since."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.defaults = {"per_minute": None, "per_hour": None, "time_scale": 1.0}
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.per_minute = self.defaults["per_minute"]
            self.per_hour = self.defaults["per_hour"]
            self.time_scale = self.defaults["time_scale"]
            self.accepted_at: dict[str, list[float]] = {}  # token hash -> accept times within the hour window
            self.counts: dict[str, dict[str, int]] = {}     # token hash -> {"accepted", "refused"}

    def windows(self) -> list[tuple[int, float]]:
        scale = self.time_scale
        return [(limit, window / scale) for limit, window in ((self.per_minute, MINUTE), (self.per_hour, HOUR))
                if limit is not None]

    def check(self, token: str, now: float) -> float | None:
        """Counts a write for `token`: None when accepted, else the seconds until a slot frees."""
        key = hashlib.sha256(token.encode()).hexdigest()[:12]
        with self.lock:
            windows = self.windows()
            if not windows:
                return None
            counts = self.counts.setdefault(key, {"accepted": 0, "refused": 0})
            times = self.accepted_at.setdefault(key, [])
            longest = max(window for _, window in windows)
            while times and times[0] <= now - longest:
                times.pop(0)
            wait = 0.0
            for limit, window in windows:
                inside = [t for t in times if t > now - window]
                if limit <= 0:
                    wait = max(wait, window)
                elif len(inside) >= limit:
                    # The oldest write that must leave the window before one more fits.
                    wait = max(wait, inside[len(inside) - limit] + window - now)
            if wait > 0:
                counts["refused"] += 1
                return max(wait, 0.001)
            times.append(now)
            counts["accepted"] += 1
            return None

    def report(self) -> dict:
        with self.lock:
            tokens = {key: dict(value) for key, value in self.counts.items()}
            return {"per_minute": self.per_minute, "per_hour": self.per_hour, "time_scale": self.time_scale,
                    "tokens": tokens,
                    "accepted": sum(v["accepted"] for v in tokens.values()),
                    "refused": sum(v["refused"] for v in tokens.values())}


LIMITS = Limits()


def guard(h) -> bool:
    """registry.WRITE_GUARDS: refuse a write beyond the limits, as GitHub does."""
    scheme, _, token = (h.headers.get("Authorization") or "").partition(" ")
    wait = LIMITS.check(token.strip(), time.time())
    if wait is None:
        return False
    # GitHub's Retry-After is whole seconds; never 0, or a client would retry at once.
    h.reply(403, {"message": MESSAGE, "documentation_url": DOCS}, {"Retry-After": str(max(1, math.ceil(wait)))})
    return True


def admin(h, path: str, payload: dict) -> bool:
    if path != "/_standin/write-limits":
        return False
    try:
        per_minute = limit_value(payload, "per_minute", LIMITS.per_minute)
        per_hour = limit_value(payload, "per_hour", LIMITS.per_hour)
        scale = float(payload.get("time_scale", LIMITS.time_scale))
        if not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"time_scale must be a positive number, got {payload.get('time_scale')!r}")
    except (TypeError, ValueError) as err:
        h.reply(400, {"message": f"/_standin/write-limits: {err}"})
        return True
    with LIMITS.lock:
        LIMITS.per_minute, LIMITS.per_hour, LIMITS.time_scale = per_minute, per_hour, scale
        if payload.get("reset_counts"):
            LIMITS.accepted_at.clear()
            LIMITS.counts.clear()
    h.reply(200, LIMITS.report())
    return True


def limit_value(payload: dict, name: str, current):
    if name not in payload:
        return current
    value = payload[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of writes (or null for no limit), got {value!r}")
    return value


def reader(h, path: str) -> bool:
    if path != "/_standin/write-limits":
        return False
    h.reply(200, LIMITS.report())
    return True


def add_arguments(parser) -> None:
    parser.add_argument("--writes-per-minute", type=int, default=None,
                        help="refuse a token's writes beyond N a minute with GitHub's secondary-limit 403 (off by default)")
    parser.add_argument("--writes-per-hour", type=int, default=None,
                        help="refuse a token's writes beyond M an hour (off by default)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="divide the write-limit windows (and Retry-After) by F: 60 makes an hour last a minute")


def configure(args) -> None:
    if args.time_scale <= 0 or not math.isfinite(args.time_scale):
        raise SystemExit(f"github-standin: --time-scale must be a positive number, got {args.time_scale}")
    for name in ("writes_per_minute", "writes_per_hour"):
        value = getattr(args, name)
        if value is not None and value < 0:
            raise SystemExit(f"github-standin: --{name.replace('_', '-')} must be 0 or more, got {value}")
    LIMITS.defaults = {"per_minute": args.writes_per_minute, "per_hour": args.writes_per_hour, "time_scale": args.time_scale}
    LIMITS.reset()


registry.WRITE_GUARDS.append(guard)
registry.ADMIN_HANDLERS.append(admin)
registry.ADMIN_READERS.append(reader)
registry.RESET_HOOKS.append(lambda _state: LIMITS.reset())
registry.ARGUMENT_HOOKS.append(add_arguments)
registry.CONFIGURE_HOOKS.append(configure)
