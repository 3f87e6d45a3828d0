#!/usr/bin/env bash
# The CLI demo (`make cli-demo`): against the local AWS endpoint in $PRENV_TEST_AWS_ENDPOINT, check the
# setup, seed what the example blueprint clones, then bring PR #1's environment up, update it for a new
# commit, list it, and tear it down. State goes to a throwaway SQLite file: the endpoint forgets
# everything when it stops, so the state must too.
set -euo pipefail
endpoint=${PRENV_TEST_AWS_ENDPOINT:?run through infra/local/with-local-aws}
prenv=${PRENV_BIN:-.build/debug/prenv}
state_dir=${PRENV_DEMO_DIR:-.build-local-aws}
state="sqlite:$state_dir/demo-state.sqlite"
rm -f "$state_dir/demo-state.sqlite"*

export AWS_ACCESS_KEY_ID=AKIDLOCALDEMO AWS_SECRET_ACCESS_KEY=local-demo-secret AWS_REGION=us-east-1 AWS_ENDPOINT_URL="$endpoint"
pr=(--repo acme/webapp --pr 1 --state "$state")
fast=(--poll-interval 0.2)

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "prenv doctor";                "$prenv" doctor
step "seed the local account";       python3 "$(dirname "$0")/seed_demo.py" "$endpoint"
step "prenv validate";               "$prenv" validate blueprints/*.yaml
step "prenv up (PR opened)";         "$prenv" up --blueprint blueprints/webapp.yaml "${pr[@]}" "${fast[@]}" --sha 1a2b3c4d5e6f --head-ref feature/login
step "prenv up (new commit)";        "$prenv" up --blueprint blueprints/webapp.yaml "${pr[@]}" "${fast[@]}" --sha 7a8b9c0d1e2f --head-ref feature/login
step "prenv ls";                     "$prenv" ls --state "$state"
step "prenv down (PR closed)";       "$prenv" down "${pr[@]}" "${fast[@]}"
step "prenv ls";                     "$prenv" ls --state "$state"
