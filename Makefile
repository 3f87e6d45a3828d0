# The commands a newcomer needs. Every target installs what it needs first (idempotent), so they work
# on a fresh Debian machine as root (or with sudo available).

LOCAL_AWS_PORT ?= 4566
LOCAL_AWS_DIR  ?= .build-local-aws
FUZZ_SECONDS   ?= 60

.PHONY: deps build test fuzz run send-lifecycle demo cli-demo doctor bench crash-bench local-aws-start local-aws-stop clean

## Install the system packages, the pinned moto and cfn-lint that the build and tests need.
deps:
	@bash infra/deps.sh

build: deps
	swift build

## Run every test: Swift unit and integration tests, the local AWS endpoint's own tests, and cfn-lint on
## the deployment template (infra/aws/prenv.yaml). A throwaway PostgreSQL server runs beside them.
## The end-to-end tests of the built binary (PrenvTests: several prenv serve processes each) run after
## the rest, not beside them: together they overloaded two cores and made timed waits fail.
test: deps
	swift build --build-tests
	PRENV_LOCAL_ARGS="--stage-seconds 0.5" infra/postgres/with-postgres $(LOCAL_AWS_DIR) -- infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- bash -c 'swift test --skip-build --skip "^PrenvTests\." 2>&1 | tee $(LOCAL_AWS_DIR)/swift-test.log; s=$${PIPESTATUS[0]}; swift test --skip-build --filter "^PrenvTests\." 2>&1 | tee -a $(LOCAL_AWS_DIR)/swift-test.log; [ $${PIPESTATUS[0]} = 0 ] || s=1; python3 -m pytest -q infra/local/tests || s=1; python3 -c "import sys; from cfnlint.runner import main; sys.exit(main())" infra/aws/prenv.yaml || s=1; exit $$s'

## Fuzz every libFuzzer target (Tests/Fuzz) for FUZZ_SECONDS each; fails on any crash, leak or timeout.
fuzz: deps
	Tests/Fuzz/run $(FUZZ_SECONDS)

## Run prenv's main job locally on its embedded defaults: the local AWS endpoint, seeded with what
## blueprints/webapp.yaml clones, and `prenv serve` (127.0.0.1:8080, SQLite) in the foreground.
run: deps
	swift build --product prenv
	infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- infra/local/serve-demo.sh

## With `make run` going: send it one PR's signed opened, synchronize and closed webhooks.
send-lifecycle:
	infra/local/send-lifecycle.sh

## `make run` plus `make send-lifecycle`, ending by itself.
demo: deps
	swift build --product prenv
	infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- infra/local/demo.sh

## The CLI path without a server: doctor, validate, up, up at a new commit, ls, down.
cli-demo: deps
	swift build --product prenv
	infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- infra/local/cli-demo.sh

## Benchmarks print their figures (release build); see BENCHMARKS.md.
bench: deps
	swift build -c release --product prenv-benchmarks
	PRENV_POSTGRES_DURABLE=1 infra/postgres/with-postgres $(LOCAL_AWS_DIR) -- infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- .build/release/prenv-benchmarks

## The SIGKILL crash test at benchmark size (issue 16): $(CRASH_TRIALS) kills under throttling, 5xx and
## latency, against an endpoint of its own; prints trials, converged, orphaned, duplicated, lost events.
CRASH_TRIALS     ?= 100
CRASH_BENCH_PORT ?= 4577
CRASH_BENCH_DIR  ?= .build-local-aws-crash
crash-bench: deps
	swift build --build-tests
	PRENV_CRASH_TRIALS=$(CRASH_TRIALS) PRENV_LOCAL_ARGS="--stage-seconds 0.5" infra/local/with-local-aws $(CRASH_BENCH_PORT) $(CRASH_BENCH_DIR) -- swift test --skip-build --filter "ServeCrashTests"

local-aws-start:
	infra/local/start --port $(LOCAL_AWS_PORT) --dir $(LOCAL_AWS_DIR)

local-aws-stop:
	infra/local/stop --dir $(LOCAL_AWS_DIR)

clean:
	rm -rf .build $(LOCAL_AWS_DIR)
