"""CloudFormation stacks that take time and stacks that fail with a reason."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import STACK_SECONDS, wait_for

TEMPLATE = json.dumps({
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
    "Outputs": {"BucketName": {"Value": {"Ref": "Bucket"}}},
})
TEMPLATE_V2 = json.dumps({
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "Queue": {"Type": "AWS::SQS::Queue"}},
})


def status(cf, name):
    return cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def events(cf, name):
    return cf.describe_stack_events(StackName=name)["StackEvents"]


def test_create_update_delete_take_time(endpoint, akid, suffix):
    cf = endpoint.client("cloudformation", akid)
    name = f"stack-{suffix}"
    # 1.5 s per operation for this test's calls (each operation keeps the value it started with)
    endpoint.admin("POST", "/_prenv/config", {"stack_seconds": 1.5})
    try:
        stack_id = cf.create_stack(StackName=name, TemplateBody=TEMPLATE)["StackId"]
    finally:
        endpoint.admin("POST", "/_prenv/config", {"stack_seconds": STACK_SECONDS})
    assert status(cf, name) == "CREATE_IN_PROGRESS"
    assert [s["StackStatus"] for s in cf.list_stacks()["StackSummaries"] if s["StackName"] == name] == ["CREATE_IN_PROGRESS"]
    assert "CREATE_COMPLETE" not in [e["ResourceStatus"] for e in events(cf, name)]
    wait_for(lambda: status(cf, name) == "CREATE_COMPLETE")
    assert events(cf, name)[0]["ResourceStatus"] == "CREATE_COMPLETE"

    endpoint.admin("POST", "/_prenv/config", {"stack_seconds": 1.5})
    try:
        cf.update_stack(StackName=name, TemplateBody=TEMPLATE_V2)
    finally:
        endpoint.admin("POST", "/_prenv/config", {"stack_seconds": STACK_SECONDS})
    assert status(cf, name) == "UPDATE_IN_PROGRESS"
    with pytest.raises(ClientError) as err:
        cf.update_stack(StackName=name, TemplateBody=TEMPLATE)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "UPDATE_IN_PROGRESS state and can not be updated" in err.value.response["Error"]["Message"]
    wait_for(lambda: status(cf, name) == "UPDATE_COMPLETE")

    cf.delete_stack(StackName=name)
    assert status(cf, name) == "DELETE_IN_PROGRESS"

    def gone():
        try:
            cf.describe_stacks(StackName=name)
            return False
        except ClientError as e:
            return "does not exist" in e.response["Error"]["Message"]

    wait_for(gone)
    assert cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_fail_stack_on_create(endpoint, akid, suffix):
    cf = endpoint.client("cloudformation", akid)
    name = f"stack-{suffix}"
    reason = "Resource handler returned message: \"Bucket already exists\" (HandlerErrorCode: AlreadyExists)"
    endpoint.admin("POST", "/_prenv/cloudformation/fail-stack", {"stack_name": name, "reason": reason, "on": "create"})
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE)
    assert status(cf, name) == "CREATE_IN_PROGRESS"
    wait_for(lambda: status(cf, name) == "ROLLBACK_COMPLETE")
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert "Bucket" in stack["StackStatusReason"]
    evs = events(cf, name)
    failed = [e for e in evs if e["ResourceStatus"] == "CREATE_FAILED"]
    assert len(failed) == 1
    assert failed[0]["LogicalResourceId"] == "Bucket" and failed[0]["ResourceType"] == "AWS::S3::Bucket"
    assert failed[0]["ResourceStatusReason"] == reason
    assert [e["ResourceStatus"] for e in evs if e["LogicalResourceId"] == name][:2] == ["ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS"]
    assert "CREATE_COMPLETE" not in [e["ResourceStatus"] for e in evs]
    with pytest.raises(ClientError) as err:  # like AWS, a ROLLBACK_COMPLETE stack can only be deleted
        cf.update_stack(StackName=name, TemplateBody=TEMPLATE)
    assert "ROLLBACK_COMPLETE state" in err.value.response["Error"]["Message"]


def test_fail_stack_on_delete(endpoint, akid, suffix):
    cf = endpoint.client("cloudformation", akid)
    name = f"stack-{suffix}"
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE)
    wait_for(lambda: status(cf, name) == "CREATE_COMPLETE")
    endpoint.admin("POST", "/_prenv/cloudformation/fail-stack",
                   {"stack_name": name, "reason": "The bucket you tried to delete is not empty", "on": "delete"})
    cf.delete_stack(StackName=name)
    assert status(cf, name) == "DELETE_IN_PROGRESS"
    wait_for(lambda: status(cf, name) == "DELETE_FAILED")
    failed = [e for e in events(cf, name) if e["ResourceStatus"] == "DELETE_FAILED"]
    assert failed[0]["LogicalResourceId"] == name  # newest first: the stack event
    assert failed[1]["ResourceStatusReason"] == "The bucket you tried to delete is not empty"
    cf.delete_stack(StackName=name)  # the rule was consumed: a retry deletes it
    wait_for(lambda: not [s for s in cf.describe_stacks()["Stacks"] if s["StackName"] == name])
