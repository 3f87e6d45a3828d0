"""GetResources of the Resource Groups Tagging API, extended to CodePipeline and CodeBuild."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from test_codebuild import make_project
from test_codepipeline import TRUST


def make_tagged_pipeline(endpoint, akid, name, tags):
    iam = endpoint.client("iam", akid)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    cp = endpoint.client("codepipeline", akid)
    source = {"name": "Checkout", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
              "configuration": {"S3Bucket": "src-bucket", "S3ObjectKey": "src.zip"}, "outputArtifacts": [{"name": "SourceOut"}]}
    build = {"name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
             "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "SourceOut"}]}
    cp.create_pipeline(
        pipeline={"name": name, "roleArn": role, "artifactStore": {"type": "S3", "location": "artifact-bucket"},
                  "stages": [{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}]},
        tags=[{"key": k, "value": v} for k, v in tags.items()])
    return cp.get_pipeline(name=name)["metadata"]["pipelineArn"]


def make_tagged_project(endpoint, akid, name, tags):
    cb = endpoint.client("codebuild", akid)
    project = make_project(cb, name)
    cb.update_project(name=name, tags=[{"key": k, "value": v} for k, v in tags.items()])
    return project["arn"]


def all_pages(client, **kwargs):
    found, token, pages = [], "", 0
    while True:
        page = client.get_resources(PaginationToken=token, **kwargs)
        pages += 1
        found += page["ResourceTagMappingList"]
        token = page.get("PaginationToken") or ""
        if not token:
            return found, pages


def test_pipelines_and_projects_are_found_by_tag_and_type(endpoint, akid, suffix):
    mine = {"prenv:instance": f"a-{suffix}", "prenv:env": "pr-1"}
    other = {"prenv:instance": f"b-{suffix}", "prenv:env": "pr-1"}
    pipeline = make_tagged_pipeline(endpoint, akid, f"pipe-a-{suffix}", mine)
    make_tagged_pipeline(endpoint, akid, f"pipe-b-{suffix}", other)
    project = make_tagged_project(endpoint, akid, f"proj-a-{suffix}", mine)
    make_tagged_project(endpoint, akid, f"proj-b-{suffix}", other)
    tagging = endpoint.client("resourcegroupstaggingapi", akid)

    by_tag, _ = all_pages(tagging, TagFilters=[{"Key": "prenv:instance", "Values": [f"a-{suffix}"]}])
    assert sorted(m["ResourceARN"] for m in by_tag) == sorted([pipeline, project])
    tags = {m["ResourceARN"]: {t["Key"]: t["Value"] for t in m["Tags"]} for m in by_tag}
    assert tags[pipeline] == mine and tags[project] == mine

    pipelines, _ = all_pages(tagging, ResourceTypeFilters=["codepipeline:pipeline"],
                             TagFilters=[{"Key": "prenv:instance", "Values": [f"a-{suffix}"]}])
    assert [m["ResourceARN"] for m in pipelines] == [pipeline]
    projects, _ = all_pages(tagging, ResourceTypeFilters=["codebuild"],
                            TagFilters=[{"Key": "prenv:instance", "Values": [f"a-{suffix}"]}])
    assert [m["ResourceARN"] for m in projects] == [project]

    either, _ = all_pages(tagging, ResourceTypeFilters=["codepipeline:pipeline"],
                          TagFilters=[{"Key": "prenv:instance", "Values": [f"a-{suffix}", f"b-{suffix}"]}])
    assert len(either) == 2
    # Filters are ANDed: a key no resource of ours has leaves nothing.
    none, _ = all_pages(tagging, TagFilters=[{"Key": "prenv:instance", "Values": [f"a-{suffix}"]}, {"Key": "absent"}])
    assert none == []


def test_moto_types_are_merged_in(endpoint, akid, suffix):
    s3 = endpoint.client("s3", akid)
    bucket = f"tagged-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "prenv:instance", "Value": f"s3-{suffix}"}]})
    make_tagged_project(endpoint, akid, f"proj-s3-{suffix}", {"prenv:instance": f"s3-{suffix}"})
    tagging = endpoint.client("resourcegroupstaggingapi", akid)
    found, _ = all_pages(tagging, TagFilters=[{"Key": "prenv:instance", "Values": [f"s3-{suffix}"]}])
    assert sorted(m["ResourceARN"] for m in found) == sorted([f"arn:aws:s3:::{bucket}", f"arn:aws:codebuild:us-east-1:123456789012:project/proj-s3-{suffix}"])
    buckets, _ = all_pages(tagging, ResourceTypeFilters=["s3:bucket"], TagFilters=[{"Key": "prenv:instance", "Values": [f"s3-{suffix}"]}])
    assert [m["ResourceARN"] for m in buckets] == [f"arn:aws:s3:::{bucket}"]


def test_pages_honour_resources_per_page(endpoint, akid, suffix):
    tags = {"prenv:instance": f"paged-{suffix}"}
    arns = {make_tagged_project(endpoint, akid, f"proj-{i}-{suffix}", tags) for i in range(7)}
    tagging = endpoint.client("resourcegroupstaggingapi", akid)
    found, pages = all_pages(tagging, ResourcesPerPage=3, TagFilters=[{"Key": "prenv:instance", "Values": [f"paged-{suffix}"]}])
    assert pages == 3
    assert sorted(m["ResourceARN"] for m in found) == sorted(arns)
    assert len(found) == 7


def test_bad_page_size_and_unknown_token(endpoint, akid):
    tagging = endpoint.client("resourcegroupstaggingapi", akid)
    with pytest.raises(ClientError) as err:
        tagging.get_resources(ResourcesPerPage=101)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        tagging.get_resources(PaginationToken="never-issued")
    assert err.value.response["Error"]["Code"] == "PaginationTokenExpiredException"
