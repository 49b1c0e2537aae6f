# Freshet build, test and benchmark entry points. CI runs `make test` (via
# .ci/run) on a fresh Debian 12 machine; everything the tests need is
# installed by scripts/install-deps.sh.

GO           ?= go
BIN          := bin/freshet
TEST_TIMEOUT ?= 25m
FUZZTIME     ?= 15s
BENCHTIME    ?= 1s
# Extra flags for go test, e.g. make test TESTFLAGS='-run TestLogic -v'.
TESTFLAGS    ?=
PKGS         ?= ./...

SHELL        := /bin/bash

.PHONY: all build run test deps lint vet check-deps bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/freshet

run: build
	./$(BIN) serve --pg-listen 127.0.0.1:6875 --http-listen 127.0.0.1:6876 --data-dir ./freshet-data

# deps installs PostgreSQL (server, psql, pgbench) when missing.
deps:
	@bash scripts/install-deps.sh >/dev/null

vet:
	$(GO) vet $(PKGS)

check-deps:
	@bash scripts/check-deps.sh

lint: vet check-deps

# test runs lint first but always runs the tests, so that go test's summary
# is the last thing printed; it fails if either failed.
test:
	@set -u; \
	bindir=$$(bash scripts/install-deps.sh) || exit 1; \
	export FRESHET_PG_BINDIR=$$bindir; \
	echo "make test: PostgreSQL binaries in $$bindir"; \
	lint=0; \
	$(GO) vet $(PKGS) || lint=1; \
	bash scripts/check-deps.sh || lint=1; \
	if [ $$lint -ne 0 ]; then echo "make test: go vet or the dependency check FAILED (see above)"; fi; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(PKGS); rc=$$?; \
	if [ $$rc -eq 0 ] && [ $$lint -ne 0 ]; then rc=1; fi; \
	exit $$rc

bench: build
	@set -u -o pipefail; \
	bindir=$$(bash scripts/install-deps.sh) || exit 1; \
	export FRESHET_PG_BINDIR=$$bindir; \
	out=$$(mktemp); \
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m $(PKGS) | tee $$out; rc=$$?; \
	echo; bash scripts/bench-wire.sh | tee -a $$out || rc=1; \
	echo; echo "== summary"; \
	grep -E '^(Benchmark|wire:)' $$out || true; \
	rm -f $$out; \
	exit $$rc

fuzz:
	@FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

clean:
	rm -rf bin
	$(GO) clean -testcache
