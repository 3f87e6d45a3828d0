"""CodePipeline executions, which moto 5.2.1 lacks (its answer is a 500 HTML page).

StartPipelineExecution, GetPipelineState, GetPipelineExecution, StopPipelineExecution
and ListPipelineExecutions are answered here, in the AWS JSON 1.1 shapes of botocore's
model. Pipelines themselves stay in moto: an execution snapshots the pipeline's stages
from moto's backend when it starts (see pipeline_model.py for the timeline).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid

from pipeline_model import (
    TERMINAL,
    ActionSpec,
    Execution,
    FailRule,
    StageSpec,
    epoch,
    resolve_variables,
    revisions_for,
)
from wire import CallInfo, Request, Response, json_error, json_response

OPERATIONS = (
    "StartPipelineExecution",
    "GetPipelineState",
    "GetPipelineExecution",
    "StopPipelineExecution",
    "ListPipelineExecutions",
)


class CodePipelineExecutions:
    def __init__(self, moto, config):
        self._moto = moto
        self._config = config
        self._lock = threading.Lock()
        self._executions: dict[tuple[str, str, str], list[Execution]] = {}
        self._tokens: dict[tuple[str, str, str, str], str] = {}
        self._fail_rules: dict[str, FailRule] = {}

    def reset(self) -> None:
        with self._lock:
            self._executions.clear()
            self._tokens.clear()
            self._fail_rules.clear()

    # ---------------------------------------------------------------- admin
    def set_fail_stage(self, pipeline: str, stage: str, message: str, action: str | None, count: int | None) -> dict:
        now = time.time()
        applied = []
        with self._lock:
            self._fail_rules[pipeline] = FailRule(stage, message, action, count)
            for key, runs in self._executions.items():
                if key[2] != pipeline:
                    continue
                for ex in runs:
                    index = ex.stage_index(stage)
                    view = ex.view(now)
                    if index is None or view.status != "InProgress" or index < view.current:
                        continue
                    if ex.fail_stage is None or index < ex.fail_stage:
                        ex.fail_stage, ex.fail_action, ex.fail_message = index, action, message
                        applied.append(ex.id)
        return {"pipeline": pipeline, "stage": stage, "applied_to_running": applied, "future_executions": count}

    def clear_fail_stage(self, pipeline: str) -> bool:
        with self._lock:
            return self._fail_rules.pop(pipeline, None) is not None

    def fail_rules(self) -> dict:
        with self._lock:
            return {k: vars(v) for k, v in self._fail_rules.items()}

    # ---------------------------------------------------------------- calls
    def handle(self, req: Request, info: CallInfo) -> Response:
        try:
            body = req.json()
        except ValueError:
            return json_error(400, "SerializationException", "Request body is not valid JSON")
        account = self._moto.account_for(req, info)
        method = {
            "StartPipelineExecution": self._start,
            "GetPipelineState": self._state,
            "GetPipelineExecution": self._get,
            "StopPipelineExecution": self._stop,
            "ListPipelineExecutions": self._list,
        }[info.operation]
        return method(body, account, info.region)

    def _pipeline(self, account: str, region: str, name):
        if not name or not isinstance(name, str):
            return None, json_error(400, "ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
        model = self._moto.codepipeline(account, region).pipelines.get(name)
        if model is None:
            return None, json_error(
                400,
                "PipelineNotFoundException",
                f"Account '{account}' does not have a pipeline with name '{name}'",
            )
        return model, None

    def _start(self, body: dict, account: str, region: str) -> Response:
        name = body.get("name")
        model, err = self._pipeline(account, region, name)
        if err:
            return err
        token = body.get("clientRequestToken")
        key = (account, region, name)
        with self._lock:
            if token and (account, region, name, token) in self._tokens:
                return json_response(200, {"pipelineExecutionId": self._tokens[(account, region, name, token)]})
            pipeline = copy.deepcopy(model.pipeline)
            stages = [
                StageSpec(
                    s["name"],
                    [
                        ActionSpec(
                            a["name"],
                            a.get("actionTypeId", {}).get("category", ""),
                            [o["name"] for o in a.get("outputArtifacts", [])],
                        )
                        for a in sorted(s.get("actions", []), key=lambda a: a.get("runOrder", 1))
                    ],
                )
                for s in pipeline.get("stages", [])
            ]
            ex = Execution(
                id=str(uuid.uuid4()),
                pipeline=name,
                version=int(pipeline.get("version", 1)),
                account=account,
                region=region,
                stages=stages,
                start=time.time(),
                stage_seconds=max(0.0, float(self._config.stage_seconds)),
                variables=resolve_variables(pipeline.get("variables", []), body.get("variables") or []),
                source_revisions=[],
                artifact_revisions=[],
            )
            ex.source_revisions, ex.artifact_revisions = revisions_for(ex, body.get("sourceRevisions") or [])
            rule = self._fail_rules.get(name)
            if rule is not None:
                index = ex.stage_index(rule.stage)
                if index is not None:
                    ex.fail_stage, ex.fail_action, ex.fail_message = index, rule.action, rule.message
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self._fail_rules[name]
            self._executions.setdefault(key, []).append(ex)
            if token:
                self._tokens[(account, region, name, token)] = ex.id
        return json_response(200, {"pipelineExecutionId": ex.id})

    def _find(self, account: str, region: str, body: dict):
        name = body.get("pipelineName")
        _, err = self._pipeline(account, region, name)
        if err:
            return None, err
        exec_id = body.get("pipelineExecutionId")
        with self._lock:
            for ex in self._executions.get((account, region, name), []):
                if ex.id == exec_id:
                    return ex, None
        return None, json_error(
            400,
            "PipelineExecutionNotFoundException",
            f"Pipeline execution with id '{exec_id}' does not exist in pipeline with name '{name}' in account '{account}'",
        )

    def _get(self, body: dict, account: str, region: str) -> Response:
        ex, err = self._find(account, region, body)
        if err:
            return err
        with self._lock:
            view = ex.view(time.time())
            out = {
                "pipelineName": ex.pipeline,
                "pipelineVersion": ex.version,
                "pipelineExecutionId": ex.id,
                "status": view.status,
                "artifactRevisions": ex.artifact_revisions,
                "variables": ex.variables,
                "trigger": {"triggerType": "StartPipelineExecution", "triggerDetail": "prenv-local"},
                "executionMode": "SUPERSEDED",
                "executionType": "STANDARD",
            }
            if view.summary:
                out["statusSummary"] = view.summary
        return json_response(200, {"pipelineExecution": out})

    def _stop(self, body: dict, account: str, region: str) -> Response:
        ex, err = self._find(account, region, body)
        if err:
            return err
        abandon = bool(body.get("abandon", False))
        now = time.time()
        with self._lock:
            view = ex.view(now)
            if view.status in TERMINAL:
                return json_error(
                    400,
                    "PipelineExecutionNotStoppableException",
                    f"Unable to stop pipeline execution '{ex.id}' because it is in status '{view.status}'",
                )
            if view.status == "Stopping":
                if not abandon or ex.abandon_at is not None:
                    return json_error(
                        400,
                        "DuplicatedStopRequestException",
                        f"Pipeline execution '{ex.id}' is already being stopped",
                    )
                ex.abandon_at = now
            else:
                ex.stop_at = now
                ex.abandon_at = now if abandon else None
                ex.stop_reason = body.get("reason") or None
        return json_response(200, {"pipelineExecutionId": ex.id})

    def _list(self, body: dict, account: str, region: str) -> Response:
        name = body.get("pipelineName")
        _, err = self._pipeline(account, region, name)
        if err:
            return err
        max_results = int(body.get("maxResults") or 100)
        try:
            offset = int(body.get("nextToken") or 0)
        except ValueError:
            return json_error(400, "InvalidNextTokenException", "The next token is not valid")
        stage_filter = ((body.get("filter") or {}).get("succeededInStage") or {}).get("stageName")
        now = time.time()
        with self._lock:
            runs = list(reversed(self._executions.get((account, region, name), [])))
            summaries = []
            for ex in runs:
                view = ex.view(now)
                if stage_filter is not None:
                    index = ex.stage_index(stage_filter)
                    stage = view.stage_status(index) if index is not None else None
                    if not stage or stage[0] != "Succeeded":
                        continue
                item = {
                    "pipelineExecutionId": ex.id,
                    "status": view.status,
                    "startTime": ex.start,
                    "lastUpdateTime": view.changed,
                    "sourceRevisions": ex.source_revisions,
                    "trigger": {"triggerType": "StartPipelineExecution", "triggerDetail": "prenv-local"},
                    "executionMode": "SUPERSEDED",
                    "executionType": "STANDARD",
                }
                if view.summary:
                    item["statusSummary"] = view.summary
                if ex.stop_at is not None:
                    item["stopTrigger"] = {"reason": ex.stop_reason or ""}
                summaries.append(item)
        page = summaries[offset : offset + max_results]
        out: dict = {"pipelineExecutionSummaries": page}
        if offset + max_results < len(summaries):
            out["nextToken"] = str(offset + max_results)
        return json_response(200, out)

    def _state(self, body: dict, account: str, region: str) -> Response:
        name = body.get("name")
        model, err = self._pipeline(account, region, name)
        if err:
            return err
        pipeline = model.pipeline
        now = time.time()
        stage_states = []
        with self._lock:
            runs = list(reversed(self._executions.get((account, region, name), [])))
            views = [ex.view(now) for ex in runs]
            for stage in pipeline.get("stages", []):
                state: dict = {
                    "stageName": stage["name"],
                    "inboundTransitionState": {"enabled": True},
                    "actionStates": [],
                }
                latest = None
                for view in views:  # newest first: the newest run that reached this stage
                    index = view.execution.stage_index(stage["name"])
                    if index is not None and view.stage_status(index) is not None:
                        latest = (view, index)
                        break
                for action in stage.get("actions", []):
                    action_state: dict = {"actionName": action["name"]}
                    if latest is not None:
                        view, index = latest
                        spec = next((a for a in view.execution.stages[index].actions if a.name == action["name"]), None)
                        if spec is not None:
                            action_state["latestExecution"] = view.action_state(index, spec)
                    state["actionStates"].append(action_state)
                if latest is not None:
                    view, index = latest
                    status, _ = view.stage_status(index)
                    state["latestExecution"] = {
                        "pipelineExecutionId": view.execution.id,
                        "status": status,
                        "type": "STANDARD",
                    }
                stage_states.append(state)
        return json_response(
            200,
            {
                "pipelineName": name,
                "pipelineVersion": int(pipeline.get("version", 1)),
                "stageStates": stage_states,
                "created": epoch(model._created),
                "updated": epoch(model._updated),
            },
        )
