"""IMDSv2 and container credential endpoints, for credential-provider-chain tests."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import botocore.session
import pytest
from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher


@pytest.fixture
def creds_config(endpoint):
    yield lambda body: endpoint.admin("POST", "/_prenv/credentials", body)
    endpoint.admin("POST", "/_prenv/credentials", {"lifetime_seconds": 21600, "rotate": False, "container_authorization": None,
                                                   "fail_next": 0})


def expires_in(expiration: str) -> float:
    return datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() - time.time()


def test_imds_v2_flow(endpoint):
    status, _, _ = endpoint.raw("PUT", "/latest/api/token")
    assert status == 400  # the TTL header is required
    status, _, _ = endpoint.raw("GET", "/latest/meta-data/iam/security-credentials/")
    assert status == 401  # IMDSv2 only: a token is required
    status, headers, token = endpoint.raw("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 200 and token
    auth = {"X-aws-ec2-metadata-token": token.decode()}
    status, _, role = endpoint.raw("GET", "/latest/meta-data/iam/security-credentials/", auth)
    assert (status, role) == (200, b"prenv-local-role")
    status, _, body = endpoint.raw("GET", "/latest/meta-data/iam/security-credentials/prenv-local-role", auth)
    creds = json.loads(body)
    assert status == 200 and creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC"
    assert {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "LastUpdated"} <= set(creds)
    assert endpoint.raw("GET", "/latest/meta-data/iam/security-credentials/prenv-local-role",
                        {"X-aws-ec2-metadata-token": "forged"})[0] == 401


def test_botocore_imds_fetcher(endpoint):
    before = endpoint.admin("GET", "/_prenv/credentials")["fetches"]["imds_credentials"]
    creds = InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=endpoint.url + "/").retrieve_iam_role_credentials()
    assert creds["role_name"] == "prenv-local-role" and creds["access_key"].startswith("ASIA")
    assert endpoint.admin("GET", "/_prenv/credentials")["fetches"]["imds_credentials"] == before + 1


def test_container_credentials_with_authorization(endpoint, creds_config):
    creds_config({"container_authorization": "Bearer secret-token"})
    assert endpoint.raw("GET", "/_prenv/container-credentials/v2/credentials/task")[0] == 401
    creds = ContainerMetadataFetcher().retrieve_full_uri(
        endpoint.url + "/_prenv/container-credentials/v2/credentials/task", headers={"Authorization": "Bearer secret-token"})
    assert {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} <= set(creds)


def test_lifetime_rotation_and_refresh(endpoint, creds_config, monkeypatch):
    creds_config({"lifetime_seconds": 120, "rotate": True})
    first = json.loads(endpoint.raw("GET", "/_prenv/container-credentials")[2])
    second = json.loads(endpoint.raw("GET", "/_prenv/container-credentials")[2])
    assert first["AccessKeyId"] != second["AccessKeyId"]
    assert 110 <= expires_in(second["Expiration"]) <= 125

    # botocore refreshes credentials that expire within 15 minutes: each use fetches again
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url + "/_prenv/container-credentials")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    before = endpoint.admin("GET", "/_prenv/credentials")["fetches"]["container"]
    credentials = botocore.session.Session().get_credentials()
    keys = {credentials.get_frozen_credentials().access_key for _ in range(2)}
    after = endpoint.admin("GET", "/_prenv/credentials")["fetches"]["container"]
    assert after - before >= 2 and len(keys) >= 2


def test_fetch_failures_can_be_injected(endpoint, creds_config):
    creds_config({"fail_next": 1})
    assert endpoint.raw("GET", "/_prenv/container-credentials")[0] == 500
    assert endpoint.raw("GET", "/_prenv/container-credentials")[0] == 200
