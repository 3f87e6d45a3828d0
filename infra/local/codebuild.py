"""CodeBuild additions: UpdateProject (missing in moto 5.2.1) and builds that take time.

UpdateProject merges the given top-level fields into the project moto already holds
(AWS replaces each given top-level field whole) and keeps the name, ARN, created date
and, unless `tags` is given, the tags. BatchGetBuilds is moto's own answer, post-processed
so a build stays IN_PROGRESS for `build_seconds` after it started (0 = moto's behaviour:
SUCCEEDED at once) and so moto's repeated phase list is de-duplicated.
"""

from __future__ import annotations

import calendar
import json
import threading
import time
from datetime import datetime, timezone

from wire import CallInfo, Request, Response, json_error, json_response

# UpdateProjectInput members (botocore codebuild 2016-10-06) that map 1:1 onto Project.
_PLAIN_FIELDS = (
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "vpcConfig",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "concurrentBuildLimit",
    "autoRetryLimit",
)
_PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD"]


class CodeBuildExtras:
    def __init__(self, moto, config):
        self._moto = moto
        self._config = config
        self._lock = threading.Lock()

    def update_project(self, req: Request, info: CallInfo) -> Response:
        try:
            body = req.json()
        except ValueError:
            return json_error(400, "SerializationException", "Request body is not valid JSON")
        name = body.get("name")
        if not name:
            return json_error(400, "InvalidInputException", "Project name is required")
        account = self._moto.account_for(req, info)
        backend = self._moto.codebuild(account, info.region)
        with self._lock:
            project = backend.codebuild_projects.get(name)
            if project is None and name.startswith("arn:"):
                project = next((p for p in backend.codebuild_projects.values() if p.arn == name), None)
            if project is None:
                arn = f"arn:aws:codebuild:{info.region}:{account}:project/{name}"
                return json_error(400, "ResourceNotFoundException", f"Failed to call UpdateProject, reason: Project {arn} does not exist")
            meta = project.project_metadata
            for key in _PLAIN_FIELDS:
                if key in body:
                    meta[key] = body[key]
            if "serviceRole" in body:
                role = body["serviceRole"]
                if not role.startswith("arn:"):
                    role = f"arn:aws:iam::{account}:role/service-role/{role}"
                meta["serviceRole"] = role
                project.service_role = role
            if "tags" in body:
                meta["tags"] = body["tags"]
                project.tags = body["tags"]
            if "badgeEnabled" in body:
                meta.setdefault("badge", {})["badgeEnabled"] = bool(body["badgeEnabled"])
            now = time.time()
            meta["lastModifiedDate"] = now  # moto's (non-AWS) key
            meta["lastModified"] = now
            result = json.loads(json.dumps(meta, default=str))
        return json_response(200, {"project": result})

    def rewrite_batch_get_builds(self, resp: Response) -> Response:
        """Make builds younger than build_seconds IN_PROGRESS; de-duplicate phases."""
        if resp.status != 200:
            return resp
        try:
            payload = json.loads(resp.body)
        except ValueError:
            return resp
        seconds = float(self._config.build_seconds)
        now = time.time()
        for build in payload.get("builds", []):
            phases, seen = [], set()
            for phase in build.get("phases", []):
                if phase.get("phaseType") not in seen:
                    seen.add(phase.get("phaseType"))
                    phases.append(phase)
            build["phases"] = phases
            started = _parse_time(build.get("startTime"))
            if seconds <= 0 or started is None or build.get("buildStatus") != "SUCCEEDED":
                continue
            if now - started < seconds:
                build["buildStatus"] = "IN_PROGRESS"
                build["currentPhase"] = "BUILD"
                build["buildComplete"] = False
                build.pop("endTime", None)
                build["phases"] = [p for p in phases if p.get("phaseType") in _PHASES]
                for p in build["phases"]:
                    if p.get("phaseType") == "BUILD":
                        for k in ("phaseStatus", "endTime", "durationInSeconds"):
                            p.pop(k, None)
            else:
                build["endTime"] = _format_time(started + seconds)
        resp.body = json.dumps(payload).encode("utf-8")
        return resp


def _parse_time(value) -> float | None:
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f+00:00"):
        try:
            dt = datetime.strptime(value, fmt)
            return calendar.timegm(dt.utctimetuple()) + dt.microsecond / 1e6
        except ValueError:
            continue
    return None


def _format_time(epoch: float) -> str:
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
