#!/usr/bin/env python3
"""Seed the local AWS endpoint with what the example blueprints clone, as an AWS account would have it:
the artifacts bucket `acme-previews`, the template CodeBuild project `acme-webapp-build`, and the "main"
pipeline `acme-webapp-main` (source → build → deploy). Idempotent.

    python3 infra/local/seed_demo.py http://127.0.0.1:4566
"""

from __future__ import annotations

import json
import sys

import boto3
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
ROLE = "prenv-demo-service-role"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        for service in ("codepipeline.amazonaws.com", "codebuild.amazonaws.com")
    ],
}


def client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="AKIDLOCALSEED", aws_secret_access_key="local-seed")


def ignore(codes: tuple[str, ...], call, **kwargs) -> None:
    try:
        call(**kwargs)
    except ClientError as err:
        if err.response["Error"]["Code"] not in codes:
            raise


def main(endpoint: str) -> None:
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    ignore(("EntityAlreadyExists",), client("iam", endpoint).create_role,
           RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    ignore(("BucketAlreadyOwnedByYou", "BucketAlreadyExists"), client("s3", endpoint).create_bucket, Bucket="acme-previews")
    ignore(("ResourceAlreadyExistsException",), client("codebuild", endpoint).create_project,
           name="acme-webapp-build",
           source={"type": "CODEPIPELINE", "location": "acme/webapp", "buildspec": "buildspec.yml"},
           artifacts={"type": "CODEPIPELINE", "location": "acme-previews"},
           environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
           serviceRole=role_arn)
    stages = [
        {"name": "Source", "actions": [{
            "name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"},
            "configuration": {"ConnectionArn": f"arn:aws:codestar-connections:us-east-1:{ACCOUNT}:connection/demo",
                              "FullRepositoryId": "acme/webapp", "BranchName": "main"},
            "outputArtifacts": [{"name": "SourceOutput"}]}]},
        {"name": "Build", "actions": [{
            "name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
            "configuration": {"ProjectName": "acme-webapp-build"},
            "inputArtifacts": [{"name": "SourceOutput"}], "outputArtifacts": [{"name": "BuildOutput"}]}]},
        {"name": "Deploy", "actions": [{
            "name": "Deploy", "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
            "configuration": {"BucketName": "acme-previews", "Extract": "true"},
            "inputArtifacts": [{"name": "BuildOutput"}]}]},
    ]
    ignore(("InvalidStructureException",), client("codepipeline", endpoint).create_pipeline,
           pipeline={"name": "acme-webapp-main", "roleArn": role_arn, "version": 1,
                     "artifactStore": {"type": "S3", "location": "acme-previews"}, "stages": stages})
    print(f"seeded {endpoint}: bucket acme-previews, project acme-webapp-build, pipeline acme-webapp-main")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4566")
