"""Fault injection: scoped throttling, rate caps, 5xx, latency, holds — in each service's real error shape."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from conftest import wait_for


def error_of(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response


def test_throttle_scoped_by_access_key(endpoint, akid):
    other = akid[:-1] + ("0" if akid[-1] != "0" else "1")
    rule = endpoint.admin("POST", "/_prenv/faults",
                          {"kind": "throttle", "service": "codebuild", "access_key": akid, "count": 2}, expect=201)
    mine, theirs = endpoint.client("codebuild", akid), endpoint.client("codebuild", other)
    for _ in range(2):
        resp = error_of(mine.list_projects)
        assert resp["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        assert headers["content-type"] == "application/x-amz-json-1.1"
        assert headers["x-amzn-requestid"]
        theirs.list_projects()  # other keys never see the rule
    mine.list_projects()  # count exhausted
    listed = endpoint.admin("GET", "/_prenv/faults")["faults"]
    assert next(r for r in listed if r["id"] == rule["id"])["fired"] == 2
    assert endpoint.admin("GET", f"/_prenv/stats?access_key={akid}")["injected"]["throttled"] == 2
    endpoint.admin("DELETE", f"/_prenv/faults/{rule['id']}")


def test_throttle_shapes_per_protocol(endpoint, akid, suffix):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "throttle", "access_key": akid}, expect=201)
    try:
        cp = error_of(lambda: endpoint.client("codepipeline", akid).list_pipelines())
        assert cp["Error"]["Code"] == "ThrottlingException"
        cf = error_of(lambda: endpoint.client("cloudformation", akid).describe_stacks())
        assert cf["Error"] == {"Type": "Sender", "Code": "Throttling", "Message": "Rate exceeded"}
        assert cf["ResponseMetadata"]["HTTPStatusCode"] == 400
        sts = error_of(lambda: endpoint.client("sts", akid).get_caller_identity())
        assert sts["Error"]["Code"] == "Throttling"
        s3 = error_of(lambda: endpoint.client("s3", akid).list_buckets())
        assert s3["Error"]["Code"] == "SlowDown" and s3["Error"]["Message"] == "Please reduce your request rate."
        assert s3["ResponseMetadata"]["HTTPStatusCode"] == 503
    finally:
        assert endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")["deleted"] == 1


def test_query_error_body_is_aws_xml(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "throttle", "service": "cloudformation", "access_key": akid, "count": 1}, expect=201)
    auth = f"AWS4-HMAC-SHA256 Credential={akid}/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=00"
    status, headers, body = endpoint.raw("POST", "/", {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"},
                                         b"Action=DescribeStacks&Version=2010-05-15")
    assert status == 400
    assert body.startswith(b'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
                           b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>")


def test_operation_scope(endpoint, akid, suffix):
    endpoint.admin("POST", "/_prenv/faults",
                   {"kind": "error", "status": 500, "service": "s3", "operation": "PUT", "access_key": akid}, expect=201)
    s3 = endpoint.client("s3", akid)
    try:
        resp = error_of(lambda: s3.create_bucket(Bucket=f"faulty-{suffix}"))
        assert resp["Error"]["Code"] == "InternalError" and resp["ResponseMetadata"]["HTTPStatusCode"] == 500
        s3.list_buckets()  # GET is not in scope
    finally:
        endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def test_rps_cap(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "rps", "service": "sts", "access_key": akid, "rps": 5}, expect=201)
    sts = endpoint.client("sts", akid)
    ok = throttled = 0
    start = time.monotonic()
    for _ in range(20):
        try:
            sts.get_caller_identity()
            ok += 1
        except ClientError as err:
            assert err.response["Error"]["Code"] == "Throttling"
            throttled += 1
    elapsed = time.monotonic() - start
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")
    assert throttled > 0
    assert ok <= 5 + int(elapsed * 5) + 1
    endpoint.client("sts", akid).get_caller_identity()


def test_5xx_and_sdk_retry(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults",
                   {"kind": "error", "service": "codebuild", "access_key": akid, "status": 500, "count": 1}, expect=201)
    resp = error_of(endpoint.client("codebuild", akid).list_projects)
    assert resp["Error"]["Code"] == "InternalFailure" and resp["ResponseMetadata"]["HTTPStatusCode"] == 500

    endpoint.admin("POST", "/_prenv/faults",
                   {"kind": "error", "service": "cloudformation", "access_key": akid, "status": 503, "count": 1}, expect=201)
    retrying = endpoint.client("cloudformation", akid, retries=3)
    assert retrying.describe_stacks()["ResponseMetadata"]["RetryAttempts"] == 1
    stats = endpoint.admin("GET", f"/_prenv/stats?access_key={akid}")
    assert stats["injected"]["errors"] == 2
    assert stats["requests"]["cloudformation"]["DescribeStacks"] == 2
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def test_custom_4xx_error(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "error", "service": "codepipeline", "access_key": akid, "status": 400,
                                              "code": "AccessDeniedException", "message": "not authorized", "count": 1}, expect=201)
    resp = error_of(endpoint.client("codepipeline", akid).list_pipelines)
    assert resp["Error"] == {"Code": "AccessDeniedException", "Message": "not authorized"}


def test_latency(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "latency", "service": "sts", "access_key": akid, "latency_ms": 400}, expect=201)
    slow, fast = endpoint.client("sts", akid), endpoint.client("sts", akid[:-2] + "ZZ")
    fast.get_caller_identity()
    t = time.monotonic()
    slow.get_caller_identity()
    assert time.monotonic() - t >= 0.4
    t = time.monotonic()
    fast.get_caller_identity()
    assert time.monotonic() - t < 0.4
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def _rule(endpoint, rule_id):
    return next(r for r in endpoint.admin("GET", "/_prenv/faults")["faults"] if r["id"] == rule_id)


def test_hold_keeps_a_call_until_released_and_carries_it_out_after_its_caller_left(endpoint, akid, suffix):
    """The hold a test uses to make "the create lands after the teardown looked" certain: the
    call is received, held, its caller gives up, and once released it is still carried out."""
    s3 = endpoint.client("s3", akid)
    bucket = f"hold-{suffix}"
    s3.create_bucket(Bucket=bucket)
    rule = endpoint.admin("POST", "/_prenv/faults", {"kind": "hold", "service": "s3", "operation": "PUT",
                                                      "access_key": akid, "count": 1}, expect=201)
    assert rule["released"] is False and rule["landed"] == 0 and rule["timeout_ms"] == 120000
    impatient = boto3.client("s3", endpoint_url=endpoint.url, region_name="us-east-1", aws_access_key_id=akid,
                             aws_secret_access_key="test-secret",
                             config=Config(retries={"total_max_attempts": 1}, read_timeout=0.5))
    with pytest.raises(ReadTimeoutError):
        impatient.put_object(Bucket=bucket, Key="late", Body=b"landed anyway")
    assert _rule(endpoint, rule["id"])["fired"] == 1
    time.sleep(0.3)
    assert _rule(endpoint, rule["id"])["landed"] == 0
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0  # still held: nothing carried out yet

    released = endpoint.admin("POST", f"/_prenv/faults/{rule['id']}/release")
    assert released["released"] is True
    wait_for(lambda: _rule(endpoint, rule["id"])["landed"] == 1)  # the held PUT lands
    assert s3.get_object(Bucket=bucket, Key="late")["Body"].read() == b"landed anyway"
    s3.put_object(Bucket=bucket, Key="after", Body=b"not held")  # released: later calls go straight on
    assert endpoint.admin("GET", f"/_prenv/stats?access_key={akid}")["injected"]["held"] == 1
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def test_deleting_a_hold_lets_its_calls_go_and_bad_holds_are_refused(endpoint, akid):
    rule = endpoint.admin("POST", "/_prenv/faults", {"kind": "hold", "service": "sts", "access_key": akid}, expect=201)
    done = threading.Event()
    threading.Thread(target=lambda: (endpoint.client("sts", akid).get_caller_identity(), done.set()), daemon=True).start()
    wait_for(lambda: _rule(endpoint, rule["id"])["fired"] == 1)  # the call is held
    assert not done.wait(0.3)
    endpoint.admin("DELETE", f"/_prenv/faults/{rule['id']}")
    assert done.wait(10), "deleting the rule did not let the held call go on"

    latency = endpoint.admin("POST", "/_prenv/faults", {"kind": "latency", "access_key": akid, "latency_ms": 1}, expect=201)
    assert "not a hold" in endpoint.admin("POST", f"/_prenv/faults/{latency['id']}/release", expect=400)["error"]
    endpoint.admin("POST", "/_prenv/faults/f-none/release", expect=404)
    for bad in ({"kind": "hold", "timeout_ms": 0}, {"kind": "hold", "timeout_ms": 120001}, {"kind": "latency", "latency_ms": 5, "timeout_ms": 5}):
        endpoint.admin("POST", "/_prenv/faults", bad, expect=400)
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def test_a_forgotten_hold_goes_on_by_itself_after_its_timeout(endpoint, akid):
    endpoint.admin("POST", "/_prenv/faults", {"kind": "hold", "service": "sts", "access_key": akid, "timeout_ms": 300}, expect=201)
    t = time.monotonic()
    endpoint.client("sts", akid).get_caller_identity()
    assert 0.3 <= time.monotonic() - t < 5
    endpoint.admin("DELETE", f"/_prenv/faults?access_key={akid}")


def test_rate_and_skip(endpoint, akid):
    rule = endpoint.admin("POST", "/_prenv/faults",
                          {"kind": "throttle", "service": "sts", "access_key": akid, "rate": 0.5, "skip": 2}, expect=201)
    sts = endpoint.client("sts", akid)
    outcomes = []
    for _ in range(30):
        try:
            sts.get_caller_identity()
            outcomes.append("ok")
        except ClientError:
            outcomes.append("throttled")
    endpoint.admin("DELETE", f"/_prenv/faults/{rule['id']}")
    assert outcomes[:2] == ["ok", "ok"]
    assert 3 <= outcomes.count("throttled") <= 25
    listed = json.dumps(endpoint.admin("GET", "/_prenv/faults"))
    assert rule["id"] not in listed
