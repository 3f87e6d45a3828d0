#!/usr/bin/env python3
"""Send one signed GitHub `pull_request` delivery to `prenv serve`, built from GitHub's real payloads.

The body starts as octokit's recorded example for the action (../shared/fixtures/github-webhooks/
pull_request/<action>.payload.json, or $PRENV_WEBHOOK_FIXTURES) and is rewritten to name your
repository, PR number, head commit and branch, then signed with X-Hub-Signature-256 exactly as
GitHub signs: HMAC-SHA256 of the raw body with the webhook secret. Standard library only.

    python3 infra/local/send_webhook.py --secret S --action opened --repo acme/webapp --pr 1 \\
        --sha 1a2b3c4d --head-ref feature/login
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "github-webhooks"))


def build_payload(args: argparse.Namespace) -> dict:
    folder = os.environ.get("PRENV_WEBHOOK_FIXTURES", DEFAULT_FIXTURES)
    with open(os.path.join(folder, "pull_request", f"{args.action}.payload.json"), encoding="utf-8") as handle:
        payload = json.load(handle)
    owner, name = args.repo.split("/", 1)
    pr = payload["pull_request"]
    payload["number"] = pr["number"] = args.pr
    payload["repository"].update(full_name=args.repo, name=name)
    payload["repository"]["owner"]["login"] = owner
    pr["base"]["repo"].update(full_name=args.repo, name=name)
    pr["base"]["ref"] = args.base_ref
    pr["head"].update(sha=args.sha, ref=args.head_ref)
    pr["head"]["repo"].update(full_name=f"{args.fork}/{name}" if args.fork else args.repo, fork=bool(args.fork))
    pr["labels"] = [{"name": label} for label in args.label]
    if payload.get("label") is not None and args.label:
        payload["label"] = {"name": args.label[-1]}
    pr["state"] = "closed" if args.action == "closed" else "open"
    stamp = args.updated_at or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    pr["updated_at"] = stamp
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080/webhooks/github")
    parser.add_argument("--secret", default=os.environ.get("PRENV_WEBHOOK_SECRET"), help="default: $PRENV_WEBHOOK_SECRET")
    parser.add_argument("--action", required=True, choices=["opened", "reopened", "synchronize", "closed", "labeled", "unlabeled"])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--pr", type=int, required=True)
    parser.add_argument("--sha", required=True)
    parser.add_argument("--head-ref", default="feature")
    parser.add_argument("--base-ref", default="main")
    parser.add_argument("--label", action="append", default=[], help="a label the PR carries (repeatable)")
    parser.add_argument("--fork", metavar="OWNER", help="the PR comes from OWNER's fork")
    parser.add_argument("--updated-at", help="pull_request.updated_at (ISO 8601); default now")
    parser.add_argument("--delivery", default=None, help="X-GitHub-Delivery; default a new UUID")
    parser.add_argument("--form", action="store_true", help="send as application/x-www-form-urlencoded payload=")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret or $PRENV_WEBHOOK_SECRET is required")

    body = json.dumps(build_payload(args)).encode()
    content_type = "application/json"
    if args.form:
        body = urllib.parse.urlencode({"payload": body.decode()}).encode()
        content_type = "application/x-www-form-urlencoded"
    signature = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(args.url, data=body, method="POST", headers={
        "Content-Type": content_type, "User-Agent": "GitHub-Hookshot/prenv-demo", "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": args.delivery or str(uuid.uuid4()), "X-Hub-Signature-256": signature,
    })
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    print(f"{args.action} {args.repo}#{args.pr} @ {args.sha[:12]} -> HTTP {status} {text}")
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
