"""IAM enforcement per access key (iam_enforce.py), and the shipped policy evaluated by it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import iam_enforce
from iam_enforce import Need, evaluate

IAM_DIR = Path(__file__).resolve().parents[2] / "iam"
sys.path.insert(0, str(IAM_DIR))
import fill_policy  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-1"


def allow(action, resource, condition=None, effect="Allow"):
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


MANAGED = {"StringEquals": {"aws:ResourceTag/prenv:managed-by": "prenv"}}


# ------------------------------------------------------------------ evaluation
def test_action_and_resource_globs():
    doc = allow("codebuild:Batch*", "arn:aws:codebuild:*:*:project/webapp-*")
    assert evaluate([doc], Need("codebuild:BatchGetProjects", "arn:aws:codebuild:r:1:project/webapp-x")).allowed
    assert evaluate([doc], Need("CODEBUILD:batchgetprojects", "arn:aws:codebuild:r:1:project/webapp-x")).allowed
    assert not evaluate([doc], Need("codebuild:BatchGetProjects", "arn:aws:codebuild:r:1:project/other")).allowed
    assert not evaluate([doc], Need("codebuild:DeleteProject", "arn:aws:codebuild:r:1:project/webapp-x")).allowed


def test_tag_condition_needs_the_tag_and_the_value():
    doc = allow("codebuild:DeleteProject", "*", MANAGED)
    assert evaluate([doc], Need("codebuild:DeleteProject", "p", {"aws:resourcetag/prenv:managed-by": ["prenv"]})).allowed
    assert not evaluate([doc], Need("codebuild:DeleteProject", "p", {"aws:resourcetag/prenv:managed-by": ["someone"]})).allowed
    decision = evaluate([doc], Need("codebuild:DeleteProject", "p", {}))
    assert not decision.allowed and decision.reason == "no statement allows it"


def test_if_exists_negation_and_null():
    exists = allow("s3:PutObject", "*", {"StringEqualsIfExists": {"aws:RequestTag/team": "a"}})
    assert evaluate([exists], Need("s3:PutObject", "k")).allowed
    assert not evaluate([exists], Need("s3:PutObject", "k", {"aws:requesttag/team": ["b"]})).allowed
    negated = allow("s3:PutObject", "*", {"StringNotEquals": {"aws:RequestTag/team": "a"}})
    assert evaluate([negated], Need("s3:PutObject", "k")).allowed
    assert not evaluate([negated], Need("s3:PutObject", "k", {"aws:requesttag/team": ["a"]})).allowed
    null = allow("s3:PutObject", "*", {"Null": {"aws:RequestTag/team": "false"}})
    assert not evaluate([null], Need("s3:PutObject", "k")).allowed
    assert evaluate([null], Need("s3:PutObject", "k", {"aws:requesttag/team": ["x"]})).allowed


def test_for_all_values_over_tag_keys():
    doc = allow("codebuild:CreateProject", "*", {"ForAllValues:StringLike": {"aws:TagKeys": ["prenv:*"]}})
    assert evaluate([doc], Need("codebuild:CreateProject", "p", {"aws:tagkeys": ["prenv:env", "prenv:pr"]})).allowed
    assert not evaluate([doc], Need("codebuild:CreateProject", "p", {"aws:tagkeys": ["prenv:env", "owner"]})).allowed


def test_explicit_deny_wins_over_allow():
    documents = [allow("s3:*", "*"), allow("s3:DeleteBucket", "arn:aws:s3:::keep-*", effect="Deny")]
    assert evaluate(documents, Need("s3:DeleteBucket", "arn:aws:s3:::other")).allowed
    decision = evaluate(documents, Need("s3:DeleteBucket", "arn:aws:s3:::keep-me"))
    assert not decision.allowed and "explicit deny" in decision.reason


@pytest.mark.parametrize("statement,expected", [
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "NotAction"),
    ({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:username}/*"}, "policy variables"),
    ({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}},
     "DateGreaterThan"),
])
def test_what_is_not_modelled_denies_and_says_so(statement, expected):
    decision = evaluate([{"Statement": [statement]}], Need("s3:GetObject", "arn:aws:s3:::b/k"))
    assert not decision.allowed and expected in decision.reason and "not modelled" in decision.reason


# ----------------------------------------------------------- the shipped policy
VALUES = {
    "Region": REGION, "Account": ACCOUNT, "Prefix": "webapp-", "TemplateProject": "acme-webapp-build",
    "TemplatePipeline": "acme-webapp-main", "ArtifactBucket": "acme-previews", "ArtifactKeyPattern": "*/pr-*/*",
    "CodeBuildServiceRole": "service-role/build-role", "PipelineServiceRole": "service-role/pipeline-role",
    "StackServiceRole": "prenv-stacks", "ConnectionArn": f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc",
}


@pytest.fixture(scope="module")
def shipped():
    return [json.loads(fill_policy.fill((IAM_DIR / "prenv-policy.json").read_text(), VALUES))]


def test_fill_refuses_missing_and_empty_values():
    text = (IAM_DIR / "prenv-policy.json").read_text()
    with pytest.raises(fill_policy.MissingValues, match="StackServiceRole"):
        fill_policy.fill(text, {k: v for k, v in VALUES.items() if k != "StackServiceRole"})
    with pytest.raises(fill_policy.MissingValues, match="empty value for: Prefix"):
        fill_policy.fill(text, {**VALUES, "Prefix": ""})
    dropped = json.loads(fill_policy.fill(text, {k: v for k, v in VALUES.items() if k != "ConnectionArn"},
                                          drop=("PassSourceConnection",)))
    assert "PassSourceConnection" not in {s["Sid"] for s in dropped["Statement"]}


def test_every_delete_in_the_shipped_policy_is_tag_conditioned_or_s3(shipped):
    """S3 has no resource tags on objects and no aws:ResourceTag on buckets: those are name-scoped."""
    for statement in shipped[0]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        deletes = [a for a in actions if ":Delete" in a]
        non_s3 = [a for a in deletes if not a.startswith("s3:")]
        if non_s3:
            assert statement["Condition"]["StringEquals"]["aws:ResourceTag/prenv:managed-by"] == "prenv", statement["Sid"]


def project(name):
    return f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}"


def managed(value="prenv"):
    return {"aws:resourcetag/prenv:managed-by": [value]}


@pytest.mark.parametrize("need,allowed", [
    (Need("codebuild:DeleteProject", project("webapp-site-pr5-x-build"), managed()), True),
    (Need("codebuild:DeleteProject", project("webapp-site-pr5-x-build"), {}), False),  # untagged, in the prefix
    (Need("codebuild:DeleteProject", project("webapp-site-pr5-x-build"), managed("other")), False),
    (Need("codebuild:DeleteProject", project("acme-webapp-build"), managed()), False),  # the template
    (Need("codepipeline:DeletePipeline", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:billing-main", managed()), False),
    (Need("cloudformation:DeleteStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id", managed()), True),
    (Need("cloudformation:DeleteStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id", {}), False),
    (Need("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/prenv-stacks", {"iam:passedtoservice": ["cloudformation.amazonaws.com"]}), True),
    (Need("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/prenv-stacks", {"iam:passedtoservice": ["ec2.amazonaws.com"]}), False),
    (Need("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", {"iam:passedtoservice": ["cloudformation.amazonaws.com"]}), False),
    (Need("cloudformation:UpdateStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id", managed()), True),
    (Need("cloudformation:UpdateStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id", {}), False),
    (Need("cloudformation:TagResource", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id",
          {"cloudformation:createaction": ["UpdateStack"]}), True),
    (Need("cloudformation:TagResource", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/webapp-x-site/id"), False),
    (Need("codepipeline:UpdatePipeline", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webapp-x", managed()), True),
    (Need("codepipeline:UpdatePipeline", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webapp-x", {}), False),
    (Need("codepipeline:StopPipelineExecution", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webapp-x", managed()), True),
    (Need("codepipeline:StopPipelineExecution", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:acme-webapp-main", managed()), False),
    (Need("s3:DeleteObject", "arn:aws:s3:::acme-previews/site/pr-5/index.html"), True),
    (Need("s3:DeleteObject", "arn:aws:s3:::acme-previews/releases/v1.zip"), False),
    (Need("s3:CreateBucket", "arn:aws:s3:::webapp-x-sitebucket-abc"), True),  # S3EnvironmentBuckets: by name only
    (Need("s3:CreateBucket", "arn:aws:s3:::billing-data"), False),
    (Need("tag:GetResources", "*"), True),  # orphan discovery: read-only, no resource-level permissions
    (Need("tag:TagResources", "*"), False),
    (Need("codepipeline:TagResource", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webapp-x", {"aws:requesttag/prenv:managed-by": ["prenv"]}), True),
    (Need("codepipeline:TagResource", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webapp-x", {}), False),
])
def test_shipped_policy_decisions(shipped, need, allowed):
    assert evaluate(shipped, need).allowed is allowed


# ------------------------------------------------------- through the endpoint
@pytest.fixture
def enforced(endpoint, suffix):
    """A moto IAM user made with the real IAM API, whose key is enforced; only that key."""
    iam = endpoint.client("iam", "AKIAADMIN" + suffix.upper())
    user = f"enforced-{suffix}"
    iam.create_user(UserName=user)
    role_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                           "Principal": {"Service": "cloudformation.amazonaws.com"}}]}
    iam.create_role(RoleName=f"stacks-{suffix}", AssumeRolePolicyDocument=json.dumps(role_trust))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["codebuild:BatchGetProjects", "cloudformation:DescribeStacks"],
         "Resource": [project(f"p{suffix}-*"), f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/p{suffix}-*/*"]},
        {"Sid": "Create", "Effect": "Allow", "Action": ["codebuild:CreateProject", "cloudformation:CreateStack"],
         "Resource": [project(f"p{suffix}-*"), f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/p{suffix}-*/*"],
         "Condition": {"StringEquals": {"aws:RequestTag/prenv:managed-by": "prenv"}}},
        {"Sid": "Delete", "Effect": "Allow", "Action": "codebuild:DeleteProject", "Resource": project(f"p{suffix}-*"),
         "Condition": MANAGED},
        {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "cloudformation:TagResource",
         "Resource": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/p{suffix}-*/*",
         "Condition": {"StringEquals": {"cloudformation:CreateAction": "CreateStack"}}},
        {"Sid": "PassBuildRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/r",
         "Condition": {"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}}},
        {"Sid": "PassStackRole", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{ACCOUNT}:role/stacks-{suffix}",
         "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}},
    ]}
    arn = iam.create_policy(PolicyName=f"p-{suffix}", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    answer = endpoint.admin("POST", "/_prenv/iam/enforce", {"access_key_id": key["AccessKeyId"]})
    assert answer == {"access_key_id": key["AccessKeyId"], "user_name": user, "account_id": ACCOUNT, "enforced": True}
    yield key["AccessKeyId"], key["SecretAccessKey"]
    endpoint.admin("DELETE", f"/_prenv/iam/enforce?access_key_id={key['AccessKeyId']}")


def denials(endpoint, key):
    return endpoint.admin("GET", f"/_prenv/iam/enforce?access_key_id={key}")["decisions"][key]["denied"]


def code_of(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_enforce_unknown_key_is_404(endpoint):
    assert "no IAM user" in endpoint.admin("POST", "/_prenv/iam/enforce", {"access_key_id": "AKIANOSUCHKEY"}, expect=404)["error"]


def test_codebuild_tag_conditions_through_the_endpoint(endpoint, enforced, suffix, akid):
    key, secret = enforced
    cb = endpoint.client("codebuild", key, secret)
    other = endpoint.client("codebuild", akid)  # not enforced: anything goes, at the same time
    document = dict(source={"type": "GITHUB", "location": "https://github.com/acme/webapp.git"}, artifacts={"type": "NO_ARTIFACTS"},
                    environment={"type": "LINUX_CONTAINER", "image": "i", "computeType": "BUILD_GENERAL1_SMALL"},
                    serviceRole=f"arn:aws:iam::{ACCOUNT}:role/r")
    tags = [{"key": "prenv:managed-by", "value": "prenv"}]
    cb.create_project(name=f"p{suffix}-own", tags=tags, **document)
    code, message = code_of(lambda: cb.create_project(name=f"p{suffix}-untagged", **document))
    assert code == "AccessDeniedException" and "codebuild:CreateProject" in message
    other.create_project(name=f"p{suffix}-foreign", **document)  # in the prefix, but not prenv's
    code, message = code_of(lambda: cb.delete_project(name=f"p{suffix}-foreign"))
    assert code == "AccessDeniedException" and f"project/p{suffix}-foreign" in message
    assert [p["name"] for p in other.batch_get_projects(names=[f"p{suffix}-foreign"])["projects"]] == [f"p{suffix}-foreign"]
    cb.delete_project(name=f"p{suffix}-own")
    code, _ = code_of(lambda: cb.list_projects())  # not granted at all
    assert code == "AccessDeniedException"
    assert [d["action"] for d in denials(endpoint, key)] == [
        "codebuild:CreateProject", "codebuild:DeleteProject", "codebuild:ListProjects"]
    other.delete_project(name=f"p{suffix}-foreign")


def test_stack_role_needs_pass_role(endpoint, enforced, suffix):
    key, secret = enforced
    cf = endpoint.client("cloudformation", key, secret)
    template = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    tags = [{"Key": "prenv:managed-by", "Value": "prenv"}]
    code, message = code_of(lambda: cf.create_stack(StackName=f"p{suffix}-a", TemplateBody=template, Tags=tags,
                                                    RoleARN=f"arn:aws:iam::{ACCOUNT}:role/admin"))
    assert code == "AccessDenied" and "iam:PassRole" in message and "role/admin" in message
    role = f"arn:aws:iam::{ACCOUNT}:role/stacks-{suffix}"
    cf.create_stack(StackName=f"p{suffix}-a", TemplateBody=template, Tags=tags, RoleARN=role)
    assert cf.describe_stacks(StackName=f"p{suffix}-a")["Stacks"][0]["RoleARN"] == role  # moto keeps and shows it
    assert [d["action"] for d in denials(endpoint, key)] == ["iam:PassRole"]


def test_s3_actions_from_requests():
    """S3 requests map to the IAM actions AWS documents (DeleteObjects checks s3:DeleteObject per key)."""
    from wire import Request

    def needs(method, target, body=b""):
        return [(n.action, n.resource) for n in iam_enforce._s3(Request(method, target, [], body), None)]

    body = b"<Delete><Object><Key>a/1</Key></Object><Object><Key>a/2</Key></Object></Delete>"
    assert needs("POST", "/b?delete", body) == [("s3:DeleteObject", "arn:aws:s3:::b/a/1"), ("s3:DeleteObject", "arn:aws:s3:::b/a/2")]
    assert needs("HEAD", "/b") == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert needs("GET", "/b?list-type=2&prefix=x") == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert needs("PUT", "/b?tagging") == [("s3:PutBucketTagging", "arn:aws:s3:::b")]
    assert needs("DELETE", "/b") == [("s3:DeleteBucket", "arn:aws:s3:::b")]
    assert needs("GET", "/b/k%20x") == [("s3:GetObject", "arn:aws:s3:::b/k x")]
