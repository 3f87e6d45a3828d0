"""The public HTTP endpoint: a threaded proxy in front of moto.

Every request is forwarded to moto byte for byte (method, raw path and query, every
header including Host and Authorization, body) and moto's answer comes back unchanged,
except for the added behaviour routed in `Layer.route`, the admin API (/_prenv/), the
credential endpoints (/latest/…, /_prenv/container-credentials) and injected faults.
"""

from __future__ import annotations

import http.client
import logging
import socketserver
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import admin
import codepipeline
from cloudformation import CloudFormationProgress
from codebuild import CodeBuildExtras
from codepipeline import CodePipelineExecutions
from credentials import CONTAINER_PREFIX, CredentialEndpoints
from faults import FaultInjector
from iam_enforce import IAMEnforcement
from motoctl import Moto
from stats import Stats
from tagging import ResourceTagging
from wire import Request, Response, classify, json_error

_log = logging.getLogger("prenv_local")
_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
    "trailer", "upgrade", "proxy-authorization", "proxy-authenticate",
}


class Config:
    """Runtime-tunable knobs (POST /_prenv/config)."""

    FIELDS = ("stage_seconds", "stack_seconds", "build_seconds")

    def __init__(self, stage_seconds: float = 1.0, stack_seconds: float = 1.0, build_seconds: float = 0.0,
                 seed: int | None = None):
        self.stage_seconds = stage_seconds
        self.stack_seconds = stack_seconds
        self.build_seconds = build_seconds
        self.seed = seed

    def to_json(self) -> dict:
        return {
            "stage_seconds": self.stage_seconds,
            "stack_seconds": self.stack_seconds,
            "build_seconds": self.build_seconds,
            "seed": self.seed,
        }


class Layer:
    """All state of the local endpoint plus request dispatch (no socket code)."""

    def __init__(self, moto: Moto, config: Config):
        self.moto = moto
        self.config = config
        self.faults = FaultInjector(config.seed)
        self.stats = Stats()
        self.pipelines = CodePipelineExecutions(moto, config)
        self.builds = CodeBuildExtras(moto, config)
        self.stacks = CloudFormationProgress(moto, config)
        self.creds = CredentialEndpoints(moto)
        self.iam = IAMEnforcement(moto)
        self.tagging = ResourceTagging(moto)
        # S3 conditional writes (If-None-Match / If-Match) are atomic in AWS; moto checks and then
        # writes, so two racing writers could both pass the check. Serialised here, as S3 behaves.
        self.s3_conditional_writes = threading.Lock()
        self.started = time.time()

    # ---------------------------------------------------------------- admin
    def reset(self, moto: bool = False) -> None:
        self.faults.reset(self.config.seed)
        self.stats.reset()
        self.pipelines.reset()
        self.stacks.reset()
        self.creds.reset()
        self.iam.reset()
        self.tagging.reset()
        if moto:
            self.moto.reset()

    def configure(self, body: dict) -> None:
        unknown = set(body) - set(Config.FIELDS) - {"seed", "verify_signatures"}
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        for name in Config.FIELDS:
            if name in body:
                value = float(body[name])
                if value < 0:
                    raise ValueError(f"{name} must be >= 0")
                setattr(self.config, name, value)
        if "seed" in body:
            self.config.seed = int(body["seed"])
            self.faults.reseed(self.config.seed)
        if "verify_signatures" in body:
            self.moto.set_verify_signatures(bool(body["verify_signatures"]))

    # ------------------------------------------------------------- dispatch
    def dispatch(self, req: Request) -> Response:
        path = req.path
        if path == CONTAINER_PREFIX or path.startswith(CONTAINER_PREFIX + "/"):
            return self.creds.handle_container(req)
        if path.startswith("/_prenv/"):
            return admin.handle(self, req)
        if _is_imds(req):
            return self.creds.handle_imds(req)
        if path.startswith("/moto-api"):
            resp = self.forward(req)
            if req.method == "POST" and path.rstrip("/") == "/moto-api/reset" and resp.status == 200:
                # moto's resources are gone; so are executions and stack timelines on them
                self.pipelines.reset()
                self.stacks.reset()
                self.iam.reset()
            return resp

        info = classify(req)
        self.stats.request(info)
        # Authorisation comes before anything else AWS does with a call, injected faults included.
        denied = self.iam.check(req, info)
        if denied is not None:
            return denied
        decision = self.faults.decide(info)
        if decision.delay_seconds > 0:
            self.stats.injected(info, "delayed")
            time.sleep(decision.delay_seconds)
        for rule in decision.holds:
            self.stats.injected(info, "held")
            self.faults.wait_for_release(rule)
        if decision.response is not None:
            self.stats.injected(info, "errors" if decision.outcome == "error" else "throttled")
            return decision.response
        response = self.route(req, info)
        for rule in decision.holds:
            self.faults.landed(rule)  # carried out, whether or not its caller is still there
        return response

    def route(self, req: Request, info) -> Response:
        if info.service == "codepipeline" and info.operation in codepipeline.OPERATIONS:
            return self.moto.check_auth(req, info) or self.pipelines.handle(req, info)
        if info.service == "codebuild" and info.operation == "UpdateProject":
            return self.moto.check_auth(req, info) or self.builds.update_project(req, info)
        if info.service == "codebuild" and info.operation == "BatchGetBuilds":
            return self.builds.rewrite_batch_get_builds(self.forward(req))
        if info.service == "tagging" and info.operation == "GetResources":
            return self.moto.check_auth(req, info) or self.tagging.get_resources(req, info)
        if info.service == "cloudformation":
            return self.stacks.handle(req, info, self.forward)
        if info.service == "s3" and req.method in ("PUT", "POST") and (req.header("If-None-Match") or req.header("If-Match")):
            with self.s3_conditional_writes:
                return self.forward(req)
        return self.forward(req)

    def forward(self, req: Request) -> Response:
        """Send the request to moto as received and return moto's answer."""
        conn = http.client.HTTPConnection(self.moto.host, self.moto.port, timeout=300)
        try:
            conn.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
            has_length = False
            for key, value in req.headers:
                lower = key.lower()
                if lower in _HOP_BY_HOP:
                    continue
                if lower == "content-length":
                    has_length = True
                    value = str(len(req.body))
                conn.putheader(key, value)
            if not has_length and (req.body or req.method in ("POST", "PUT", "PATCH")):
                conn.putheader("Content-Length", str(len(req.body)))
            conn.endheaders(req.body or None)
            resp = conn.getresponse()
            body = resp.read()
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
            return Response(resp.status, headers, body, resp.reason)
        finally:
            conn.close()


def _is_imds(req: Request) -> bool:
    if req.header("Authorization"):
        return False  # e.g. a path-style S3 call to a bucket named "latest"
    path = req.path
    return path == "/latest/api/token" or path.startswith(("/latest/meta-data", "/latest/dynamic"))


# ------------------------------------------------------------------ HTTP server

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "prenv-local"
    disable_nagle_algorithm = True
    layer: Layer  # set on the subclass made by make_server

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError) as err:
            self.close_connection = True
            self._send(Response(400, [("Content-Type", "text/plain")], f"bad request body: {err}".encode()))
            return
        req = Request(self.command, self.path, list(self.headers.items()), body)
        try:
            resp = self.layer.dispatch(req)
        except Exception as err:  # never leave the client hanging
            _log.exception("error handling %s %s", self.command, self.path)
            resp = json_error(500, "InternalFailure", f"prenv-local: {type(err).__name__}: {err}")
        self._send(resp)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is not None:
            return self.rfile.read(int(length)) if int(length) > 0 else b""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        return b""

    def _send(self, resp: Response) -> None:
        head = self.command == "HEAD"
        try:
            reason = resp.reason or HTTPStatus(resp.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {resp.status} {reason}"]
        length = str(len(resp.body))
        for key, value in resp.headers:
            lower = key.lower()
            if lower == "content-length":
                if head:
                    length = value  # HEAD: keep the length of the entity moto described
                continue
            if lower in _HOP_BY_HOP:
                continue
            lines.append(f"{key}: {value}")
        lines.append(f"Content-Length: {length}")
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if not head:
            data += resp.body
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.log_request(resp.status, len(resp.body))

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        _log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request, client_address) -> None:
        _log.debug("connection error from %s", client_address, exc_info=True)


def make_server(host: str, port: int, layer: Layer | None) -> ThreadingHTTPServer:
    """Bind (not yet serve); `layer` may be set later on `server.RequestHandlerClass.layer`."""
    handler = type("Handler", (_Handler,), {"layer": layer})
    return _Server((host, port), handler)


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return thread


__all__ = ["Config", "Layer", "make_server", "serve_in_thread"]
