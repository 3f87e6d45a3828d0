"""HTTP request/response values, AWS request classification and AWS error shapes.

Everything here is pure (no I/O, no moto): the proxy builds a `Request` from the
socket, `classify` says which AWS service/operation/access key it is, and the
`*_error` helpers build the exact error bodies each AWS wire protocol uses.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

# Credential=AKID/20240101/us-east-1/codebuild/aws4_request
_CREDENTIAL_RE = re.compile(
    r"Credential=([^/\s,]+)/(\d{8})/([^/\s,]+)/([^/\s,]+)/aws4_request"
)
_TARGET_PREFIXES = {
    "codebuild_20161006": "codebuild",
    "codepipeline_20150709": "codepipeline",
}
_STS_ACTIONS = {
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetFederationToken",
    "GetSessionToken",
}
QUERY_NAMESPACES = {
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
DEFAULT_REGION = "us-east-1"


@dataclass
class Request:
    method: str
    target: str  # raw request-target: path plus query, exactly as received
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def form(self) -> dict[str, str]:
        """Form fields of a Query-protocol POST (first value of each)."""
        ctype = (self.header("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" not in ctype or not self.body:
            return {}
        try:
            parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {k: v[0] for k, v in parsed.items()}

    def json(self) -> dict:
        if not self.body:
            return {}
        value = json.loads(self.body.decode("utf-8"))
        if not isinstance(value, dict):
            raise ValueError("JSON body must be an object")
        return value


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str | None = None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        self.headers.append((name, value))


@dataclass(frozen=True)
class CallInfo:
    """What an AWS request is, as far as scoping fault rules and stats go."""

    service: str  # codebuild | codepipeline | cloudformation | s3 | sts | iam | ...
    operation: str  # X-Amz-Target suffix, Query Action, or the HTTP method for S3
    access_key: str | None
    region: str
    protocol: str  # json | query | rest-xml
    target_header: str | None = None


def classify(req: Request) -> CallInfo:
    auth = req.header("Authorization") or ""
    access_key = region = service = None
    match = _CREDENTIAL_RE.search(auth)
    if not match:
        # presigned URL: X-Amz-Credential in the query string
        cred = (req.query.get("X-Amz-Credential") or [""])[0]
        match = _CREDENTIAL_RE.search("Credential=" + cred) if cred else None
    if match:
        access_key, region, service = match.group(1), match.group(3), match.group(4)

    target = req.header("X-Amz-Target")
    if not service and target:
        service = _TARGET_PREFIXES.get(target.split(".", 1)[0].lower())

    form = req.form()
    action = form.get("Action") or (req.query.get("Action") or [None])[0]
    if not service:
        host = (req.header("Host") or "").lower()
        if action:
            service = "sts" if action in _STS_ACTIONS else "cloudformation"
        elif host.startswith(("cloudformation.", "sts.", "codebuild.", "codepipeline.")):
            service = host.split(".", 1)[0]
        else:
            service = "s3"

    if target:
        protocol = "json"
        operation = target.split(".", 1)[-1]
    elif service == "s3":
        protocol = "rest-xml"
        operation = req.method.upper()
    else:
        protocol = "query"
        operation = action or req.method.upper()
    return CallInfo(
        service=service.lower(),
        operation=operation,
        access_key=access_key,
        region=region or DEFAULT_REGION,
        protocol=protocol,
        target_header=target,
    )


# ---------------------------------------------------------------- error shapes

def request_id() -> str:
    return str(uuid.uuid4())


def moto_style_request_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(52))


def json_response(status: int, payload: dict, rid: str | None = None) -> Response:
    rid = rid or request_id()
    return Response(
        status,
        [("Content-Type", JSON_CONTENT_TYPE), ("x-amzn-RequestId", rid)],
        json.dumps(payload).encode("utf-8"),
    )


def json_error(status: int, code: str, message: str) -> Response:
    rid = request_id()
    resp = json_response(status, {"__type": code, "message": message}, rid)
    resp.headers.append(("x-amzn-ErrorType", code))
    return resp


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def query_error(service: str, status: int, code: str, message: str) -> Response:
    rid = request_id()
    namespace = QUERY_NAMESPACES.get(service, QUERY_NAMESPACES["cloudformation"])
    kind = "Sender" if status < 500 else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
        f"<Code>{_xml_escape(code)}</Code><Message>{_xml_escape(message)}</Message>"
        f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
    )
    return Response(
        status,
        [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
        body.encode("utf-8"),
    )


def s3_error(status: int, code: str, message: str) -> Response:
    rid = secrets.token_hex(8).upper()
    host_id = secrets.token_urlsafe(48)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{_xml_escape(code)}</Code><Message>{_xml_escape(message)}</Message>"
        f"<RequestId>{rid}</RequestId><HostId>{host_id}</HostId></Error>"
    )
    return Response(
        status,
        [
            ("Content-Type", "application/xml"),
            ("x-amz-request-id", rid),
            ("x-amz-id-2", host_id),
        ],
        body.encode("utf-8"),
    )


def aws_error(info: CallInfo, status: int, code: str, message: str) -> Response:
    """An error in the shape the service's own protocol uses."""
    if info.protocol == "json":
        return json_error(status, code, message)
    if info.protocol == "rest-xml":
        return s3_error(status, code, message)
    return query_error(info.service, status, code, message)


def throttle_error(info: CallInfo) -> Response:
    if info.protocol == "json":
        return json_error(400, "ThrottlingException", "Rate exceeded")
    if info.protocol == "rest-xml":
        return s3_error(503, "SlowDown", "Please reduce your request rate.")
    return query_error(info.service, 400, "Throttling", "Rate exceeded")


def server_error(info: CallInfo, status: int) -> Response:
    if status == 503:
        if info.protocol == "rest-xml":
            return s3_error(503, "ServiceUnavailable", "Service is unable to handle request.")
        return aws_error(info, 503, "ServiceUnavailable", "Service is unavailable.")
    if info.protocol == "rest-xml":
        return s3_error(status, "InternalError", "We encountered an internal error. Please try again.")
    return aws_error(
        info,
        status,
        "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure.",
    )


def plain_json(status: int, payload, extra_headers: list[tuple[str, str]] | None = None) -> Response:
    """Non-AWS JSON (admin API, credential endpoints)."""
    headers = [("Content-Type", "application/json")] + (extra_headers or [])
    return Response(status, headers, (json.dumps(payload, indent=None) + "\n").encode("utf-8"))


def plain_text(status: int, text: str, extra_headers: list[tuple[str, str]] | None = None) -> Response:
    headers = [("Content-Type", "text/plain")] + (extra_headers or [])
    return Response(status, headers, text.encode("utf-8"))
