#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building and testing prenv. Idempotent and quick when
# everything is present: it only calls apt-get / pip when something is missing.
set -euo pipefail

# chromium (with a font, so text renders) drives the dashboard's browser test (DashboardBrowserTests).
APT_PACKAGES=(libxml2-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev pkg-config chromium fonts-dejavu-core)
MOTO_VERSION=5.2.1
CFN_LINT_VERSION=1.51.0
PROMETHEUS_CLIENT_VERSION=0.26.0

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL (14 or newer) for the shared-state tests: `infra/postgres/with-postgres` starts a
# throwaway server from the distribution's binaries. Looked for as with-postgres looks for it: a
# `pg_config` alone (libpq-dev) is no server.
has_postgres_server() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then return 0; fi
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if ! has_postgres_server; then
  echo "deps: installing postgresql"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
fi

if ! python3 -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('moto') == '$MOTO_VERSION' else 1)" 2>/dev/null \
   || ! python3 -c "import flask, flask_cors, pytest, boto3" 2>/dev/null; then
  echo "deps: installing moto[server]==$MOTO_VERSION"
  python3 -m pip install -q "moto[server]==$MOTO_VERSION" pytest boto3
fi

# cfn-lint checks infra/aws/prenv.yaml in `make test`. Pinned like moto, so a new release's new rules
# cannot fail CI on an unchanged template; raise the pin deliberately and re-run it.
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('cfn-lint') == '$CFN_LINT_VERSION' else 1)" 2>/dev/null; then
  echo "deps: installing cfn-lint==$CFN_LINT_VERSION"
  python3 -m pip install -q "cfn-lint==$CFN_LINT_VERSION"
fi

# MetricsEndToEndTests parse /metrics with the reference Prometheus text parser (prometheus_client).
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('prometheus_client') == '$PROMETHEUS_CLIENT_VERSION' else 1)" 2>/dev/null; then
  echo "deps: installing prometheus_client==$PROMETHEUS_CLIENT_VERSION"
  python3 -m pip install -q "prometheus_client==$PROMETHEUS_CLIENT_VERSION"
fi

command -v swift >/dev/null || { echo "deps: swift is not on PATH (Swift 6.1+ is required: https://swift.org/install)" >&2; exit 1; }
