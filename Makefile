# The commands a newcomer needs. Every target installs what it needs first (idempotent), so they work
# on a fresh Debian machine as root (or with sudo available).

LOCAL_AWS_PORT ?= 4566
LOCAL_AWS_DIR  ?= .build-local-aws

.PHONY: deps build test run doctor bench local-aws-start local-aws-stop clean

## Install the system packages and the pinned moto that the build and tests need.
deps:
	@bash infra/deps.sh

build: deps
	swift build

## Run every test: Swift unit and integration tests, plus the local AWS endpoint's own tests.
test: deps
	swift build --build-tests
	PRENV_LOCAL_ARGS="--stage-seconds 0.5" infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- bash -c 'swift test --skip-build 2>&1 | tee $(LOCAL_AWS_DIR)/swift-test.log; s=$${PIPESTATUS[0]}; python3 -m pytest -q infra/local/tests || s=1; exit $$s'

## Run prenv's main job locally against the local AWS endpoint: doctor, then one PR's environment
## up, updated for a new commit, listed and torn down (infra/local/demo.sh).
run: deps
	swift build
	infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- infra/local/demo.sh

## Benchmarks print their figures (release build); see BENCHMARKS.md.
bench: deps
	swift build -c release --product prenv-benchmarks
	infra/local/with-local-aws $(LOCAL_AWS_PORT) $(LOCAL_AWS_DIR) -- .build/release/prenv-benchmarks

local-aws-start:
	infra/local/start --port $(LOCAL_AWS_PORT) --dir $(LOCAL_AWS_DIR)

local-aws-stop:
	infra/local/stop --dir $(LOCAL_AWS_DIR)

clean:
	rm -rf .build $(LOCAL_AWS_DIR)
