"""Credential endpoints for SDK credential-chain tests, on the same port as everything else.

* EC2 instance metadata, IMDSv2 only by default:
    PUT /latest/api/token                         (X-aws-ec2-metadata-token-ttl-seconds: 1..21600)
    GET /latest/meta-data/iam/security-credentials/            → role name
    GET /latest/meta-data/iam/security-credentials/<role>      → credentials JSON
    GET /latest/meta-data/placement/region, …/availability-zone, /latest/dynamic/instance-identity/document
* ECS/EKS container credentials: GET /_prenv/container-credentials[/anything]
  (use as AWS_CONTAINER_CREDENTIALS_FULL_URI; optional Authorization check).

`source`: "static" serves made-up keys (fine while moto does not verify signatures);
"sts" serves real moto STS credentials of an allow-all role, which pass moto's signature
check; "auto" (default) picks "sts" when signature verification is on.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from datetime import datetime, timezone

from wire import Request, Response, plain_json, plain_text

ROLE_NAME = "prenv-local-role"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
CONTAINER_PREFIX = "/_prenv/container-credentials"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialEndpoints:
    DEFAULTS = {
        "lifetime_seconds": 6 * 3600,
        "rotate": False,
        "source": "auto",
        "container_authorization": None,
        "imds_v1": False,
        "fail_next": 0,
        "region": "us-east-1",
    }

    def __init__(self, moto):
        self._moto = moto
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._config = dict(self.DEFAULTS)
            self._tokens: dict[str, float] = {}
            self._serial = 0
            self._fetches = {"imds_token": 0, "imds_role": 0, "imds_credentials": 0, "container": 0}
            self._last: dict[str, dict] = {}

    def configure(self, body: dict) -> dict:
        unknown = set(body) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        if "source" in body and body["source"] not in ("auto", "static", "sts"):
            raise ValueError("source must be auto, static or sts")
        with self._lock:
            self._config.update(body)
            return dict(self._config)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "config": dict(self._config),
                "fetches": dict(self._fetches),
                "last_issued": {k: dict(v) for k, v in self._last.items()},
            }

    # ------------------------------------------------------------ credentials
    def _issue(self, kind: str) -> dict | Response:
        with self._lock:
            self._fetches[kind] += 1
            if self._config["fail_next"] > 0:
                self._config["fail_next"] -= 1
                return plain_json(500, {"code": "InternalError", "message": "Injected by prenv-local"})
            self._serial += 1
            serial = self._serial if self._config["rotate"] else 0
            lifetime = float(self._config["lifetime_seconds"])
            source = self._config["source"]
        if source == "auto":
            source = "sts" if self._moto.verify_signatures else "static"
        now = time.time()
        if source == "sts":
            creds = self._moto.assume_local_role(ROLE_NAME, int(max(lifetime, 1)))
        else:
            digest = hashlib.sha256(f"prenv-local-{serial}".encode()).hexdigest()
            creds = {
                "AccessKeyId": f"ASIAPRENV{serial:011d}",
                "SecretAccessKey": digest[:40],
                "Token": f"prenv-local-session-token-{serial}-{digest[40:56]}",
                "RoleArn": f"arn:aws:iam::123456789012:role/{ROLE_NAME}",
            }
        creds["Expiration"] = _iso(now + lifetime)
        with self._lock:
            self._last[kind] = {"AccessKeyId": creds["AccessKeyId"], "Expiration": creds["Expiration"], "at": now}
        return creds

    # ------------------------------------------------------------------ IMDS
    def handle_imds(self, req: Request) -> Response:
        path = req.path
        if req.method == "PUT" and path == "/latest/api/token":
            ttl = req.header(TTL_HEADER)
            try:
                seconds = int(ttl) if ttl is not None else -1
            except ValueError:
                seconds = -1
            if not 1 <= seconds <= 21600:
                return plain_text(400, "Bad Request: missing or invalid " + TTL_HEADER)
            token = "prenv-imds-" + secrets.token_urlsafe(32)
            with self._lock:
                self._fetches["imds_token"] += 1
                self._tokens[token] = time.time() + seconds
            return plain_text(200, token, [(TTL_HEADER, str(seconds))])
        if req.method not in ("GET", "HEAD"):
            return plain_text(405, "Method Not Allowed")
        token = req.header(TOKEN_HEADER)
        with self._lock:
            expiry = self._tokens.get(token or "")
            allow_v1 = self._config["imds_v1"]
            region = self._config["region"]
        if token is None and not allow_v1 or token is not None and (expiry is None or expiry < time.time()):
            return plain_text(401, "Unauthorized")
        creds_prefix = "/latest/meta-data/iam/security-credentials"
        if path in (creds_prefix, creds_prefix + "/"):
            with self._lock:
                self._fetches["imds_role"] += 1
            return plain_text(200, ROLE_NAME)
        if path.startswith(creds_prefix + "/"):
            role = path[len(creds_prefix) + 1 :].rstrip("/")
            if role != ROLE_NAME:
                return plain_text(404, "Not Found")
            creds = self._issue("imds_credentials")
            if isinstance(creds, Response):
                return creds
            body = {
                "Code": "Success",
                "LastUpdated": _iso(time.time()),
                "Type": "AWS-HMAC",
                "AccessKeyId": creds["AccessKeyId"],
                "SecretAccessKey": creds["SecretAccessKey"],
                "Token": creds["Token"],
                "Expiration": creds["Expiration"],
            }
            return Response(200, [("Content-Type", "text/plain")], json.dumps(body, indent=2).encode())
        if path == "/latest/meta-data/placement/region":
            return plain_text(200, region)
        if path == "/latest/meta-data/placement/availability-zone":
            return plain_text(200, region + "a")
        if path == "/latest/dynamic/instance-identity/document":
            doc = {"accountId": "123456789012", "region": region, "availabilityZone": region + "a",
                   "instanceId": "i-0prenvlocal0000", "instanceType": "t3.micro", "imageId": "ami-00000000"}
            return Response(200, [("Content-Type", "text/plain")], json.dumps(doc, indent=2).encode())
        if path in ("/latest/meta-data", "/latest/meta-data/"):
            return plain_text(200, "iam/\nplacement/")
        return plain_text(404, "Not Found")

    # ------------------------------------------------------------- container
    def handle_container(self, req: Request) -> Response:
        if req.method != "GET":
            return plain_json(405, {"code": "MethodNotAllowed", "message": "use GET"})
        with self._lock:
            expected = self._config["container_authorization"]
        if expected is not None and req.header("Authorization") != expected:
            with self._lock:
                self._fetches["container"] += 1
            return plain_json(401, {"code": "AccessDenied", "message": "Authorization header missing or wrong"})
        creds = self._issue("container")
        if isinstance(creds, Response):
            return creds
        return plain_json(200, creds)
