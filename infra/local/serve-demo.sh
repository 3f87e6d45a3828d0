#!/usr/bin/env bash
# `make run`: prenv's main job on its embedded defaults. Seeds the local AWS endpoint (in
# $PRENV_TEST_AWS_ENDPOINT) with the template pipeline, CodeBuild project and bucket that
# blueprints/webapp.yaml clones, then runs `prenv serve` in the foreground: 127.0.0.1:8080,
# ./blueprints, SQLite state in .prenv/state.sqlite. Without GITHUB_TOKEN the commit statuses are
# printed in the log. Send it a PR's life from another terminal with `make send-lifecycle`.
set -euo pipefail
endpoint=${PRENV_TEST_AWS_ENDPOINT:?run through infra/local/with-local-aws}
prenv=${PRENV_BIN:-.build/debug/prenv}
export AWS_ACCESS_KEY_ID=AKIDLOCALDEMO AWS_SECRET_ACCESS_KEY=local-demo-secret AWS_REGION=us-east-1 AWS_ENDPOINT_URL="$endpoint"
export PRENV_WEBHOOK_SECRET=${PRENV_WEBHOOK_SECRET:-local-demo-secret}

python3 "$(dirname "$0")/seed_demo.py" "$endpoint"
# The local endpoint starts empty every time, so the demo's state starts empty too.
rm -f .prenv/state.sqlite .prenv/state.sqlite-wal .prenv/state.sqlite-shm
echo "prenv serve on http://${PRENV_HOST:-127.0.0.1}:${PRENV_PORT:-8080} (webhook secret: \$PRENV_WEBHOOK_SECRET); Ctrl-C stops it."
echo "In another terminal: make send-lifecycle   (a signed opened, synchronize and closed for acme/webapp#1)"
exec "$prenv" serve --poll-interval "${PRENV_POLL_INTERVAL:-0.5}" "$@"
