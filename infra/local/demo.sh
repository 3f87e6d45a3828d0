#!/usr/bin/env bash
# `make demo`: `make run` and `make send-lifecycle` in one go, ending by itself: prenv serve in the
# background, a PR's opened/synchronize/closed sent to it, then the server stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=${PRENV_DEMO_LOG:-.build-local-aws/serve-demo.log}
mkdir -p "$(dirname "$log")"
"$here/serve-demo.sh" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS -m 1 "http://${PRENV_HOST:-127.0.0.1}:${PRENV_PORT:-8080}/healthz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "prenv serve did not start; log:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
"$here/send-lifecycle.sh"
echo "== the commit statuses prenv posted (no GITHUB_TOKEN, so they went to the log):"
grep -o 'status prenv/webapp[^[]*' "$log" | grep -v '/.*/' | sed 's/^/  /' || true
echo "(full server log: $log)"
