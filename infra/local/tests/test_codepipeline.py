"""CodePipeline executions walking the pipeline's own stages (moto lacks them)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import STAGE_SECONDS, wait_for

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def make_pipeline(endpoint, akid, name, stages=("Source", "Build", "Deploy")):
    iam = endpoint.client("iam", akid)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    cp = endpoint.client("codepipeline", akid)
    stage_defs = []
    for i, stage in enumerate(stages):
        if i == 0:
            action = {"name": "Checkout", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                      "configuration": {"S3Bucket": "src-bucket", "S3ObjectKey": "src.zip"}, "outputArtifacts": [{"name": "SourceOut"}]}
        else:
            action = {"name": f"{stage}Action", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                      "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "SourceOut"}]}
        stage_defs.append({"name": stage, "actions": [action]})
    cp.create_pipeline(pipeline={"name": name, "roleArn": role, "artifactStore": {"type": "S3", "location": "artifact-bucket"},
                                 "stages": stage_defs})
    return cp


def stage_status(state, stage):
    entry = next(s for s in state["stageStates"] if s["stageName"] == stage)
    return entry.get("latestExecution", {}).get("status")


def test_execution_walks_stages_and_succeeds(endpoint, akid, suffix):
    name = f"pipe-{suffix}"
    cp = make_pipeline(endpoint, akid, name)
    exec_id = cp.start_pipeline_execution(
        name=name, sourceRevisions=[{"actionName": "Checkout", "revisionType": "S3_OBJECT_VERSION_ID", "revisionValue": "v42"}]
    )["pipelineExecutionId"]

    state = cp.get_pipeline_state(name=name)
    assert state["pipelineName"] == name and state["pipelineVersion"] == 1
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build", "Deploy"]
    assert stage_status(state, "Source") == "InProgress"
    assert stage_status(state, "Deploy") is None  # not reached yet
    assert state["stageStates"][0]["latestExecution"]["pipelineExecutionId"] == exec_id

    seen = set()

    def finished():
        st = cp.get_pipeline_state(name=name)
        for s in st["stageStates"]:
            if s.get("latestExecution", {}).get("status") == "InProgress":
                seen.add(s["stageName"])
        ex = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)["pipelineExecution"]
        return ex if ex["status"] != "InProgress" else None

    execution = wait_for(finished, timeout=10, interval=STAGE_SECONDS / 4)
    assert len(seen) >= 2  # polled while it walked (each stage is only STAGE_SECONDS long)
    assert execution["status"] == "Succeeded"
    assert execution["trigger"]["triggerType"] == "StartPipelineExecution"
    assert execution["artifactRevisions"][0]["revisionId"] == "v42"
    state = cp.get_pipeline_state(name=name)
    assert all(stage_status(state, s) == "Succeeded" for s in ("Source", "Build", "Deploy"))
    assert state["stageStates"][1]["actionStates"][0]["latestExecution"]["status"] == "Succeeded"

    second = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    summaries = cp.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    assert [s["pipelineExecutionId"] for s in summaries] == [second, exec_id]
    assert summaries[1]["status"] == "Succeeded" and summaries[0]["status"] == "InProgress"


def test_client_request_token_is_idempotent(endpoint, akid, suffix):
    name = f"pipe-{suffix}"
    cp = make_pipeline(endpoint, akid, name, stages=("Source", "Build"))
    a = cp.start_pipeline_execution(name=name, clientRequestToken="tok-1")["pipelineExecutionId"]
    b = cp.start_pipeline_execution(name=name, clientRequestToken="tok-1")["pipelineExecutionId"]
    assert a == b


def test_fail_stage_shows_message(endpoint, akid, suffix):
    name = f"pipe-{suffix}"
    cp = make_pipeline(endpoint, akid, name)
    endpoint.admin("POST", "/_prenv/codepipeline/fail-stage",
                   {"pipeline": name, "stage": "Build", "message": "unit tests failed: 3 failures"})
    exec_id = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    execution = wait_for(
        lambda: (e := cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)["pipelineExecution"])["status"] != "InProgress" and e,
        timeout=10,
    )
    assert execution["status"] == "Failed"
    assert execution["statusSummary"] == "unit tests failed: 3 failures"
    state = cp.get_pipeline_state(name=name)
    assert stage_status(state, "Source") == "Succeeded"
    assert stage_status(state, "Build") == "Failed"
    assert stage_status(state, "Deploy") is None
    action = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert action["status"] == "Failed"
    assert action["errorDetails"]["message"] == "unit tests failed: 3 failures"
    # the rule applied to one execution only (count defaults to 1)
    again = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    wait_for(lambda: cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=again)["pipelineExecution"]["status"] == "Succeeded", timeout=10)


def test_fail_stage_applies_to_running_execution(endpoint, akid, suffix):
    name = f"pipe-{suffix}"
    cp = make_pipeline(endpoint, akid, name)
    exec_id = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    out = endpoint.admin("POST", "/_prenv/codepipeline/fail-stage", {"pipeline": name, "stage": "Deploy", "message": "deploy broke", "count": 0})
    assert out["applied_to_running"] == [exec_id]
    wait_for(lambda: cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)["pipelineExecution"]["status"] == "Failed", timeout=10)


def test_stop_goes_stopping_then_stopped(endpoint, akid, suffix):
    name = f"pipe-{suffix}"
    cp = make_pipeline(endpoint, akid, name)
    # stages of 2 s for this execution only (an execution keeps the stage_seconds it started with)
    endpoint.admin("POST", "/_prenv/config", {"stage_seconds": 2.0})
    try:
        exec_id = cp.start_pipeline_execution(name=name)["pipelineExecutionId"]
    finally:
        endpoint.admin("POST", "/_prenv/config", {"stage_seconds": STAGE_SECONDS})
    cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id, abandon=False, reason="superseded by push")
    execution = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)["pipelineExecution"]
    assert execution["status"] == "Stopping"
    with pytest.raises(ClientError) as err:
        cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)
    assert err.value.response["Error"]["Code"] == "DuplicatedStopRequestException"
    wait_for(lambda: cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)["pipelineExecution"]["status"] == "Stopped", timeout=10)
    summary = cp.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"][0]
    assert summary["status"] == "Stopped" and summary["stopTrigger"]["reason"] == "superseded by push"
    assert stage_status(cp.get_pipeline_state(name=name), "Source") == "Stopped"
    with pytest.raises(ClientError) as err:
        cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=exec_id)
    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotStoppableException"


def test_errors_for_unknown_pipeline_and_execution(endpoint, akid, suffix):
    cp = make_pipeline(endpoint, akid, f"pipe-{suffix}", stages=("Source", "Build"))
    for call in (lambda: cp.start_pipeline_execution(name=f"missing-{suffix}"),
                 lambda: cp.get_pipeline_state(name=f"missing-{suffix}"),
                 lambda: cp.list_pipeline_executions(pipelineName=f"missing-{suffix}")):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as err:
        cp.get_pipeline_execution(pipelineName=f"pipe-{suffix}", pipelineExecutionId="00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotFoundException"
