"""--verify-signatures: moto checks SigV4; the layer's own operations are checked the same way."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def keys(verify_endpoint):
    return verify_endpoint.admin("POST", "/_prenv/iam/user", {})


def error_of(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response


def test_health_reports_verification(verify_endpoint):
    assert verify_endpoint.admin("GET", "/_prenv/health")["verify_signatures"] is True


def test_right_key_succeeds(verify_endpoint, keys, suffix):
    cb = verify_endpoint.client("codebuild", keys["access_key_id"], keys["secret_access_key"])
    assert "projects" in cb.list_projects()
    cp = verify_endpoint.client("codepipeline", keys["access_key_id"], keys["secret_access_key"])
    # the layer's own operation: the signature passes, then the real answer
    assert error_of(lambda: cp.start_pipeline_execution(name=f"missing-{suffix}"))["Error"]["Code"] == "PipelineNotFoundException"
    sts = verify_endpoint.client("sts", keys["access_key_id"], keys["secret_access_key"])
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{keys['user_name']}")


@pytest.mark.parametrize("service,call", [
    ("codebuild", lambda c: c.list_projects()),
    ("codebuild", lambda c: c.update_project(name="x", description="y")),  # added by the layer
    ("codepipeline", lambda c: c.list_pipelines()),
    ("codepipeline", lambda c: c.start_pipeline_execution(name="x")),  # added by the layer
    ("codepipeline", lambda c: c.get_pipeline_state(name="x")),  # added by the layer
])
def test_wrong_secret_on_json_services(verify_endpoint, keys, service, call):
    client = verify_endpoint.client(service, keys["access_key_id"], "wrong-secret")
    resp = error_of(lambda: call(client))
    # moto's real behaviour: an XML body labelled text/html, which botocore cannot parse
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/html; charset=utf-8"
    assert "<Code>SignatureDoesNotMatch</Code>" in resp["Error"]["Message"]


def test_wrong_secret_on_query_and_s3(verify_endpoint, keys, suffix):
    cf = verify_endpoint.client("cloudformation", keys["access_key_id"], keys["secret_access_key"])
    bad_cf = verify_endpoint.client("cloudformation", keys["access_key_id"], "wrong-secret")
    assert error_of(bad_cf.describe_stacks)["Error"]["Code"] == "SignatureDoesNotMatch"
    name = f"signed-{suffix}"
    cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}))
    # DeleteStack is answered by the layer while a stack takes time to delete: still checked
    assert error_of(lambda: bad_cf.delete_stack(StackName=name))["Error"]["Code"] == "SignatureDoesNotMatch"
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackName"] == name
    bad_s3 = verify_endpoint.client("s3", keys["access_key_id"], "wrong-secret")
    assert error_of(bad_s3.list_buckets)["Error"]["Code"] == "SignatureDoesNotMatch"


def test_unknown_key(verify_endpoint):
    resp = error_of(verify_endpoint.client("codebuild", "AKIAUNKNOWNUNKNOWN00", "x").list_projects)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "<Code>InvalidClientTokenId</Code>" in resp["Error"]["Message"]
    resp = error_of(verify_endpoint.client("sts", "AKIAUNKNOWNUNKNOWN00", "x").get_caller_identity)
    assert resp["Error"]["Code"] == "InvalidClientTokenId"


def test_container_credentials_pass_verification(verify_endpoint):
    status, _, body = verify_endpoint.raw("GET", "/_prenv/container-credentials")
    assert status == 200
    creds = json.loads(body)
    assert creds["AccessKeyId"].startswith("ASIA")
    sts = verify_endpoint.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], token=creds["Token"])
    assert ":assumed-role/prenv-local-role/" in sts.get_caller_identity()["Arn"]
