"""The pure model of a CodePipeline execution: a start time plus a few facts.

An execution snapshots its pipeline's stages when it starts and walks them in order,
`stage_seconds` each. Its state at any instant is computed from timestamps (`view`),
so nothing has to run in the background.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timezone

TERMINAL = ("Succeeded", "Failed", "Stopped", "Cancelled", "Superseded")

@dataclass
class ActionSpec:
    name: str
    category: str
    output_artifacts: list[str]


@dataclass
class StageSpec:
    name: str
    actions: list[ActionSpec]


@dataclass
class FailRule:
    stage: str
    message: str
    action: str | None = None
    remaining: int | None = 1  # future executions it still applies to; None = all


@dataclass
class Execution:
    id: str
    pipeline: str
    version: int
    account: str
    region: str
    stages: list[StageSpec]
    start: float
    stage_seconds: float
    variables: list[dict]
    source_revisions: list[dict]
    artifact_revisions: list[dict]
    fail_stage: int | None = None
    fail_action: str | None = None
    fail_message: str | None = None
    stop_at: float | None = None
    abandon_at: float | None = None
    stop_reason: str | None = None
    action_ids: dict = field(default_factory=dict)

    def action_execution_id(self, stage: int, action: str) -> str:
        key = (stage, action)
        if key not in self.action_ids:
            self.action_ids[key] = str(uuid.uuid4())
        return self.action_ids[key]

    # ---------------------------------------------------------------- timeline
    def stage_index(self, name: str) -> int | None:
        for i, stage in enumerate(self.stages):
            if stage.name == name:
                return i
        return None

    def view(self, now: float) -> "View":
        d = self.stage_seconds
        t0 = self.start
        last = self.fail_stage if self.fail_stage is not None else len(self.stages) - 1
        natural_end = t0 + (last + 1) * d
        if self.stop_at is not None:
            k = min(int((self.stop_at - t0) / d) if d > 0 else 0, last)
            done = t0 + (k + 1) * d  # stop-and-wait: the current stage finishes
            if self.abandon_at is not None:  # stop-and-abandon: a quarter of a stage at most
                done = min(done, self.abandon_at + d * 0.25)
            if now >= done:
                return View(self, "Stopped", k, "Stopped", done)
            return View(self, "Stopping", k, "Stopping", self.stop_at)
        if now >= natural_end:
            status = "Failed" if self.fail_stage is not None else "Succeeded"
            return View(self, status, last, status, natural_end)
        current = min(int((now - t0) / d), last) if d > 0 else last
        return View(self, "InProgress", current, "InProgress", t0 + current * d)


@dataclass
class View:
    """An execution as seen at one instant."""

    execution: Execution
    status: str  # pipeline execution status
    current: int  # index of the last stage reached
    current_status: str  # status of that stage
    changed: float  # when the current stage last changed

    def stage_status(self, index: int) -> tuple[str, float] | None:
        ex = self.execution
        if index > self.current:
            return None
        if index < self.current:
            return "Succeeded", ex.start + (index + 1) * ex.stage_seconds
        return self.current_status, self.changed

    def action_state(self, index: int, action: ActionSpec) -> dict | None:
        ex = self.execution
        stage = self.stage_status(index)
        if stage is None:
            return None
        status, changed = stage
        if status == "Stopping":
            action_status = "InProgress"
        elif status == "Stopped":
            action_status = "Abandoned" if ex.abandon_at is not None else "Succeeded"
        elif status == "Failed":
            failing = ex.fail_action or ex.stages[index].actions[0].name
            action_status = "Failed" if action.name == failing else "Succeeded"
        else:
            action_status = status
        out = {
            "actionExecutionId": ex.action_execution_id(index, action.name),
            "status": action_status,
            "lastStatusChange": changed,
        }
        if action_status == "InProgress":
            out["percentComplete"] = 50
        if action_status == "Failed":
            out["summary"] = ex.fail_message
            out["errorDetails"] = {"code": "JobFailed", "message": ex.fail_message}
        elif action_status == "Succeeded":
            out["summary"] = "Succeeded (prenv-local)"
        return out

    @property
    def summary(self) -> str | None:
        ex = self.execution
        if self.status == "Failed":
            return ex.fail_message
        if self.status in ("Stopped", "Stopping"):
            return ex.stop_reason or "Stopped by user"
        return None


def epoch(moment) -> float:
    """moto keeps naive UTC datetimes."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def resolve_variables(declared: list[dict], given: list[dict]) -> list[dict]:
    values = {v["name"]: v.get("defaultValue", "") for v in declared if "name" in v}
    for v in given:
        if "name" in v:
            values[v["name"]] = v.get("value", "")
    return [{"name": k, "resolvedValue": v} for k, v in values.items()]


def revisions_for(ex: Execution, overrides: list[dict]) -> tuple[list[dict], list[dict]]:
    """sourceRevisions for summaries and artifactRevisions for GetPipelineExecution."""
    by_action = {o.get("actionName"): o for o in overrides}
    source, artifacts = [], []
    first = ex.stages[0].actions if ex.stages else []
    for action in first:
        if action.category != "Source":
            continue
        override = by_action.get(action.name)
        revision = override["revisionValue"] if override else uuid.uuid5(uuid.NAMESPACE_OID, ex.id + action.name).hex[:40]
        source.append({"actionName": action.name, "revisionId": revision})
        for artifact in action.output_artifacts:
            artifacts.append({"name": artifact, "revisionId": revision, "created": ex.start})
    return source, artifacts
