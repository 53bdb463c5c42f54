# zharness — see README.md. Every target that needs system packages runs
# ci/install-deps first (idempotent, quick when all is present).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/zharness
RESULTS ?= results
REPORT  ?= reports/out
EXPECT  ?= ci/expectations.yaml

.PHONY: all deps build native run test bench report lint ci clean matrix-agents

all: build

deps:
	@bash ci/install-deps

build: deps native
	go build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/zharness

# The native reference programs (C, no Go involved; decisions.md ruling 12).
native:
	@sh drivers/libzmq/native/build.sh bin

# The main job: conformance matrix + quick benchmarks + HTML/PNG report.
run: build
	$(BIN) run --expectations $(EXPECT) --results-dir $(RESULTS) --report-dir $(REPORT) --native-dir bin

# Unit and package tests under the race detector (-short: the conformance
# suite's Go test runs its libzmq:libzmq tcp slice), then the whole
# conformance matrix through the binary against ci/expectations.yaml (exit
# 1 on any unexpected verdict), then bounded fuzzing of the decoders.
test: build
	$(BIN) drivers   # also builds the opt-in agents (javac, npm ci) into their cache, once
	go vet ./...
	CGO_ENABLED=0 go build ./...
	go test -race -short -timeout 15m ./...
	$(BIN) conformance --expectations $(EXPECT) --results-dir $(RESULTS)/test-matrix --quiet
	bash ci/fuzz.sh

# Every implementation against every other over tcp, the opt-in agents
# (jeromq, pyzmq, zeromqjs) included, with its own HTML report. Agents
# answer each call over a pipe, so bounds are doubled.
matrix-agents: build
	$(BIN) conformance --all-drivers --transport tcp --time-scale 2 --expectations $(EXPECT) --results-dir $(RESULTS)/agents --quiet; \
	  rc=$$?; $(BIN) report $(RESULTS)/agents/results.jsonl -o $(REPORT)/agents; exit $$rc

bench: build
	$(BIN) bench --results-dir $(RESULTS) --native-dir bin

report: build
	$(BIN) report $(RESULTS)/results.jsonl -o $(REPORT)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	CGO_ENABLED=0 go build ./...

ci: lint test run

clean:
	rm -rf bin $(RESULTS) $(REPORT)
