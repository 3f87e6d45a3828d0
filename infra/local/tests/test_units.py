"""Pure unit tests of the layer's model code (no server, no sleeping)."""

from __future__ import annotations

from faults import FaultInjector, RuleError, parse_rule
from pipeline_model import ActionSpec, Execution, StageSpec
from wire import Request, classify


def execution(stages=("Source", "Build", "Deploy"), d=10.0) -> Execution:
    return Execution(
        id="e1", pipeline="p", version=1, account="123456789012", region="us-east-1",
        stages=[StageSpec(s, [ActionSpec(f"{s}Action", "Build", [])]) for s in stages],
        start=1000.0, stage_seconds=d, variables=[], source_revisions=[], artifact_revisions=[],
    )


def test_timeline_walks_stages():
    ex = execution()
    assert (ex.view(1000.0).status, ex.view(1000.0).current) == ("InProgress", 0)
    assert ex.view(1015.0).current == 1
    assert ex.view(1015.0).stage_status(0) == ("Succeeded", 1010.0)
    assert ex.view(1015.0).stage_status(2) is None
    assert ex.view(1030.0).status == "Succeeded"


def test_timeline_failure_and_stop():
    ex = execution()
    ex.fail_stage, ex.fail_message = 1, "boom"
    view = ex.view(1020.0)
    assert (view.status, view.current, view.summary) == ("Failed", 1, "boom")
    assert view.action_state(1, ex.stages[1].actions[0])["errorDetails"]["message"] == "boom"

    ex = execution()
    ex.stop_at = 1012.0
    assert ex.view(1015.0).status == "Stopping"
    assert ex.view(1020.0).status == "Stopped" and ex.view(1020.0).current == 1
    ex.abandon_at = 1016.0  # upgraded to abandon while stopping
    assert ex.view(1018.0).status == "Stopping"
    assert ex.view(1019.0).status == "Stopped"
    assert ex.view(1019.0).action_state(1, ex.stages[1].actions[0])["status"] == "Abandoned"


def test_classify():
    req = Request("POST", "/", [("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAX/20260101/eu-west-1/codebuild/aws4_request, SignedHeaders=host, Signature=0"),
                                ("X-Amz-Target", "CodeBuild_20161006.StartBuild")], b"{}")
    info = classify(req)
    assert (info.service, info.operation, info.access_key, info.region, info.protocol) == ("codebuild", "StartBuild", "AKIAX", "eu-west-1", "json")
    form = Request("POST", "/", [("Content-Type", "application/x-www-form-urlencoded")], b"Action=GetCallerIdentity&Version=2011-06-15")
    assert (classify(form).service, classify(form).operation, classify(form).protocol) == ("sts", "GetCallerIdentity", "query")
    assert classify(Request("PUT", "/bucket/key", [])).service == "s3"


def test_rules_are_validated_and_seeded():
    for bad in ({"kind": "latency"}, {"kind": "rps"}, {"kind": "error", "status": 404}, {"kind": "throttle", "rate": 2}):
        try:
            parse_rule("x", bad)
        except RuleError:
            continue
        raise AssertionError(f"accepted {bad}")
    info = classify(Request("GET", "/", []))

    def run(seed):
        faults = FaultInjector(seed)
        faults.add({"kind": "throttle", "rate": 0.5})
        return [faults.decide(info).outcome for _ in range(50)]

    assert run(3) == run(3)
    assert 5 < run(3).count("throttled") < 45
