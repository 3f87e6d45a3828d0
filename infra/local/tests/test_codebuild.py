"""CodeBuild UpdateProject (missing in moto) and builds that take time."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import wait_for


def make_project(cb, name):
    return cb.create_project(
        name=name,
        description="before",
        source={"type": "S3", "location": "src-bucket/src.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole="arn:aws:iam::123456789012:role/codebuild",
        tags=[{"key": "prenv:pr", "value": "42"}],
    )["project"]


def test_update_project_merges_fields_and_keeps_tags(endpoint, akid, suffix):
    cb = endpoint.client("codebuild", akid)
    name = f"proj-{suffix}"
    created = make_project(cb, name)
    updated = cb.update_project(
        name=name,
        description="after",
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:8.0", "computeType": "BUILD_GENERAL1_MEDIUM",
                     "environmentVariables": [{"name": "PR", "value": "42", "type": "PLAINTEXT"}]},
        timeoutInMinutes=30,
    )["project"]
    assert updated["name"] == name and updated["arn"] == created["arn"]
    assert updated["description"] == "after"
    assert updated["environment"]["image"] == "aws/codebuild/standard:8.0"
    assert updated["tags"] == [{"key": "prenv:pr", "value": "42"}]
    stored = cb.batch_get_projects(names=[name])["projects"][0]
    assert stored["description"] == "after" and stored["timeoutInMinutes"] == 30
    assert stored["source"]["location"] == "src-bucket/src.zip"  # untouched field kept

    cb.update_project(name=name, tags=[{"key": "prenv:pr", "value": "43"}])
    assert cb.batch_get_projects(names=[name])["projects"][0]["tags"] == [{"key": "prenv:pr", "value": "43"}]


def test_update_unknown_project(endpoint, akid, suffix):
    cb = endpoint.client("codebuild", akid)
    with pytest.raises(ClientError) as err:
        cb.update_project(name=f"missing-{suffix}", description="x")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_builds_can_take_time(endpoint, akid, suffix):
    cb = endpoint.client("codebuild", akid)
    name = f"proj-{suffix}"
    make_project(cb, name)
    endpoint.admin("POST", "/_prenv/config", {"build_seconds": 0.5})
    try:
        build_id = cb.start_build(projectName=name)["build"]["id"]
        build = cb.batch_get_builds(ids=[build_id])["builds"][0]
        assert build["buildStatus"] == "IN_PROGRESS" and build["currentPhase"] == "BUILD"
        done = wait_for(lambda: (b := cb.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] == "SUCCEEDED" and b, timeout=10)
        phase_types = [p["phaseType"] for p in done["phases"]]
        assert len(phase_types) == len(set(phase_types))
    finally:
        endpoint.admin("POST", "/_prenv/config", {"build_seconds": 0})
