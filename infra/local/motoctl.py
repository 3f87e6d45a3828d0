"""Everything that touches moto itself: the in-process server, its backends and its auth.

moto runs in this same process (``moto.server.ThreadedMotoServer`` on an internal
127.0.0.1 port). The proxy still talks to it over HTTP, byte for byte, so clients see
moto's real wire behaviour; running it in-process lets the layer read and amend moto's
own model objects (pipelines, projects, stacks, IAM users) without needing credentials,
which matters when signature verification is on.
"""

from __future__ import annotations

import json
import logging
import os
import threading

from wire import CallInfo, Request, Response, moto_style_request_id

DEFAULT_ACCOUNT_ID = "123456789012"
ALLOW_ALL_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)

_log = logging.getLogger("prenv_local.moto")
_lock = threading.Lock()


class Moto:
    """The in-process moto server plus helpers over its backends."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verify_signatures: bool = False):
        # settings are read lazily by moto, but set the env too so anything that
        # re-reads it agrees.
        os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        from moto import settings
        from moto.server import ThreadedMotoServer

        self._settings = settings
        self.set_verify_signatures(verify_signatures)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.host = host
        self.port = port

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._server.start()
        self.host, self.port = self._server.get_host_and_port()
        self._warm_up()

    def stop(self) -> None:
        try:
            self._server.stop()
        except Exception:  # pragma: no cover - best effort on shutdown
            _log.exception("stopping moto")

    @staticmethod
    def _warm_up() -> None:
        # moto imports a service's models on its first request, which takes
        # seconds for CloudFormation; pay that once at start-up instead.
        import moto.cloudformation.models  # noqa: F401
        import moto.codebuild.models  # noqa: F401
        import moto.codepipeline.models  # noqa: F401
        import moto.iam.access_control  # noqa: F401
        import moto.s3.models  # noqa: F401
        import moto.sts.models  # noqa: F401
        from moto.backends import get_backend

        for name in ("cloudformation", "codebuild", "codepipeline", "s3", "sts", "iam"):
            get_backend(name)

    def reset(self) -> None:
        """Same as ``POST /moto-api/reset``: drop every resource in every backend."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()

    # ------------------------------------------------------------------ auth
    @property
    def verify_signatures(self) -> bool:
        return self._settings.INITIAL_NO_AUTH_ACTION_COUNT != float("inf")

    def set_verify_signatures(self, enabled: bool) -> None:
        """Same as ``POST /moto-api/reset-auth`` with 0 (on) or inf (off)."""
        from moto.core.responses import ActionAuthenticatorMixin

        self._settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if enabled else float("inf")
        ActionAuthenticatorMixin.request_count = 0
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0" if enabled else "inf"

    def check_auth(self, req: Request, info: CallInfo) -> Response | None:
        """For operations this layer answers itself: run moto's own SigV4 and IAM
        check exactly as moto would for one of its own operations. Returns moto's
        error response (same status/body/content type as moto's), or None if the
        call may proceed (also when verification is off)."""
        from moto.core.responses import ActionAuthenticatorMixin
        from moto.iam.access_control import IAMRequest
        from werkzeug.datastructures import Headers
        from werkzeug.exceptions import HTTPException

        if ActionAuthenticatorMixin.request_count < self._settings.INITIAL_NO_AUTH_ACTION_COUNT:
            ActionAuthenticatorMixin.request_count += 1
            return None
        # moto sees WSGI headers, i.e. Title-Cased names
        headers = Headers([(k.title(), v) for k, v in req.headers])
        path = req.target.split("#", 1)[0]
        try:
            if "Authorization" not in headers:
                raise _missing_auth_error()
            iam_request = IAMRequest(
                account_id=self.account_for(req, info),
                method=req.method,
                path=path,
                data=req.form(),
                body=req.body,
                headers=headers,
                action=info.operation,
            )
            iam_request.check_signature()
            iam_request.check_action_permitted("*")
        except HTTPException as err:
            rid = moto_style_request_id()
            return Response(
                err.code or 403,
                [
                    ("server", "amazon.com"),
                    ("status", str(err.code)),
                    ("x-amzn-requestid", rid),
                    ("Content-Type", "text/html; charset=utf-8"),
                ],
                (err.description or "").encode("utf-8"),
            )
        return None

    # ------------------------------------------------------------- accounts
    @staticmethod
    def account_for(req: Request, info: CallInfo) -> str:
        """The account moto would put this request in (same precedence as moto)."""
        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        header = req.header("x-moto-account-id")
        if header:
            return header
        from moto.iam.models import get_account_id_from

        return get_account_id_from(info.access_key or "AKIAEXAMPLE")

    # ------------------------------------------------------------- backends
    @staticmethod
    def codepipeline(account: str, region: str):
        from moto.codepipeline.models import codepipeline_backends

        return codepipeline_backends[account][region]

    @staticmethod
    def codebuild(account: str, region: str):
        from moto.codebuild.models import codebuild_backends

        return codebuild_backends[account][region]

    @staticmethod
    def cloudformation(account: str, region: str):
        from moto.cloudformation.models import cloudformation_backends

        return cloudformation_backends[account][region]

    @staticmethod
    def iam(account: str):
        from moto.iam.models import iam_backends

        return iam_backends[account]["aws"]

    # ---------------------------------------------------------------- IAM
    def create_user(self, user_name: str | None = None, account_id: str = DEFAULT_ACCOUNT_ID) -> dict:
        """An IAM user with an allow-all inline policy and one access key, created
        straight in moto's backend (works whether or not verification is on)."""
        import uuid

        from moto.iam.exceptions import EntityAlreadyExists

        name = user_name or f"prenv-local-{uuid.uuid4().hex[:12]}"
        backend = self.iam(account_id)
        with _lock:
            try:
                user = backend.create_user("us-east-1", name)
            except EntityAlreadyExists:
                user = backend.get_user(name)
            backend.put_user_policy(name, "prenv-local-allow-all", ALLOW_ALL_POLICY)
            key = backend.create_access_key(name)
        return {
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key,
            "user_name": name,
            "arn": user.arn,
            "account_id": account_id,
        }

    def assume_local_role(self, role_name: str, lifetime_seconds: int, account_id: str = DEFAULT_ACCOUNT_ID) -> dict:
        """Real moto STS credentials (ASIA…/secret/session token) for an allow-all
        role, so credential-provider tests also pass moto's signature check."""
        from moto.iam.exceptions import NotFoundException
        from moto.sts.models import sts_backends

        backend = self.iam(account_id)
        with _lock:
            try:
                role = backend.get_role(role_name)
            except NotFoundException:
                trust = json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                        ],
                    }
                )
                role = backend.create_role(role_name, trust, "/", None, "prenv local role", [], None)
                backend.put_role_policy(role_name, "prenv-local-allow-all", ALLOW_ALL_POLICY)
            assumed = sts_backends[account_id]["aws"].assume_role(
                region_name="us-east-1",
                role_session_name="prenv-local",
                role_arn=role.arn,
                policy="",
                duration=max(900, int(lifetime_seconds)),
                external_id="",
            )
        return {
            "AccessKeyId": assumed.access_key_id,
            "SecretAccessKey": assumed.secret_access_key,
            "Token": assumed.session_token,
            "RoleArn": role.arn,
        }


def _missing_auth_error():
    from moto.core.exceptions import _RESTError

    err = _RESTError("MissingAuthenticationToken", "Request is missing Authentication Token")
    err.code = 403
    return err
