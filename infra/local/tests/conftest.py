"""Fixtures: start prenv-local as a real process on a free port, boto3 clients per test."""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

LAYER = Path(__file__).resolve().parents[1] / "prenv_local.py"
sys.path.insert(0, str(LAYER.parent))  # for the pure unit tests of the layer's modules
STAGE_SECONDS = 0.5
STACK_SECONDS = 0.5


class Endpoint:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path):
        self.url = url
        self.proc = proc
        self.log = log

    # ------------------------------------------------------------ admin API
    def admin(self, method: str, path: str, body: dict | None = None, expect: int | None = 200):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, payload = err.code, err.read()
        if expect is not None:
            assert status == expect, f"{method} {path} -> {status}: {payload!r}"
        return json.loads(payload) if payload else None

    def raw(self, method: str, path: str, headers: dict | None = None, data: bytes | None = None):
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    # -------------------------------------------------------------- clients
    def client(self, service: str, access_key: str, secret: str = "test-secret", retries: int = 1,  # total attempts
               mode: str = "standard", token: str | None = None):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(retries={"total_max_attempts": retries, "mode": mode}, connect_timeout=5, read_timeout=30),
        )


def start_layer(*extra: str) -> Endpoint:
    tmp = Path(tempfile.mkdtemp(prefix="prenv-local-test-"))
    ready, log = tmp / "ready.json", tmp / "layer.log"
    cmd = [sys.executable, str(LAYER), "--port", "0", "--ready-file", str(ready),
           "--stage-seconds", str(STAGE_SECONDS), "--stack-seconds", str(STACK_SECONDS), "--seed", "7", *extra]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"prenv-local did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return Endpoint(json.loads(ready.read_text())["url"], proc, log)


def stop_layer(endpoint: Endpoint) -> None:
    endpoint.proc.send_signal(signal.SIGTERM)
    try:
        code = endpoint.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        endpoint.proc.kill()
        pytest.fail("prenv-local did not stop on SIGTERM")
    assert code == 0, endpoint.log.read_text()
    shutil.rmtree(endpoint.log.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def endpoint():
    ep = start_layer()
    yield ep
    stop_layer(ep)


@pytest.fixture(scope="session")
def verify_endpoint():
    ep = start_layer("--verify-signatures")
    yield ep
    stop_layer(ep)


@pytest.fixture
def akid() -> str:
    """A unique fake access key per test, so scoped fault rules never leak across tests."""
    return "AKIATEST" + secrets.token_hex(6).upper()


@pytest.fixture
def suffix() -> str:
    return secrets.token_hex(4)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
