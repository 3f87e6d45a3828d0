#!/usr/bin/env bash
# `make send-lifecycle`: one pull request's life, sent to a running `prenv serve` as GitHub would
# send it: signed `opened`, `synchronize` and `closed` deliveries built from GitHub's real payloads
# (../shared/fixtures/github-webhooks). After each, waits until GET /api/environments shows the
# environment ready (or destroyed) and prints it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${PRENV_URL:-http://${PRENV_HOST:-127.0.0.1}:${PRENV_PORT:-8080}}
export PRENV_WEBHOOK_SECRET=${PRENV_WEBHOOK_SECRET:-local-demo-secret}
repo=${PRENV_DEMO_REPO:-acme/webapp} pr=${PRENV_DEMO_PR:-1}

send() { python3 "$here/send_webhook.py" --url "$base/webhooks/github" --repo "$repo" --pr "$pr" --head-ref feature/login "$@"; }

# wait_for STATE [SHA]: polls /api/environments (up to 120 s) and prints the environment.
wait_for() {
  python3 - "$base" "$repo" "$pr" "$1" "${2:-}" <<'PY'
import json, sys, time, urllib.request
base, repo, pr, state, sha = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
deadline, env = time.time() + 120, None
while time.time() < deadline:
    with urllib.request.urlopen(base + "/api/environments", timeout=5) as response:
        envs = [e for e in json.load(response)["environments"] if e["repository"] == repo and e["pr"] == pr]
    env = envs[0] if envs else None
    if env and env["state"] == state and (not sha or env["head_sha"] == sha):
        print(f"  {repo}#{pr} ({env['blueprint']}): {state} at {env['head_sha'][:12]}")
        for r in env["resources"]:
            print(f"    {r['id']:<10} {r['type']:<24} {r['state']:<8} {r.get('physical_name') or ''}")
        sys.exit(0)
    time.sleep(0.3)
sys.exit(f"timed out waiting for {state}; last seen: {env}")
PY
}

curl -fsS -m 2 "$base/healthz" >/dev/null || { echo "prenv serve is not answering on $base (start it with make run)" >&2; exit 1; }
echo "== opened";      send --action opened --sha 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b;       wait_for ready 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b
echo "== synchronize"; send --action synchronize --sha 7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b;  wait_for ready 7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
echo "== closed";      send --action closed --sha 7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b;       wait_for destroyed
