# Timeclock — build, test and run. `make` alone lists the targets.
# Longer recipes live in scripts/*.sh; variables can be set on the command
# line, e.g. `make fuzz FUZZTIME=1m`, `make test TESTFLAGS='-run Spool'`.

SHELL     := /bin/bash
BINARIES  := gateway aggregator firmware-sim
GO        ?= go
FUZZTIME  ?= 10s
TESTFLAGS ?=
export FUZZTIME TESTFLAGS GO

.DEFAULT_GOAL := help
.PHONY: help build cross deps test bench profile chaos fuzz lint run clean

help: ## list the targets (this text)
	@echo "usage: make TARGET"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/gateway, bin/aggregator, bin/firmware-sim
	$(GO) build -o bin/ $(addprefix ./,$(BINARIES))

cross: ## static builds for the Raspberry Pi: bin/linux-arm64, bin/linux-armv7, bin/linux-armv6
	scripts/cross.sh $(BINARIES)

deps: ## install the real components: mosquitto, chromium (apt), influxd 1.8.10 (.tools/bin)
	scripts/deps.sh

test: deps ## install deps, then go test -race ./... against real Mosquitto and influxd
	scripts/test.sh

bench: deps ## run the benchmarks; raw output to docs/bench/latest.txt
	scripts/bench.sh

profile: build ## pprof CPU, block and mutex profiles of serve under ../shared/bench/ours-peer.sh (N=50000) into out/profile
	scripts/profile.sh

chaos: deps ## the fault matrix of real processes into docs/RELIABILITY.md (CHAOS=-quick for outages of seconds)
	scripts/chaos.sh $(CHAOS)

fuzz: ## run every FuzzXxx target of the module for FUZZTIME (10s) each
	scripts/fuzz.sh

lint: ## gofmt, go vet and staticcheck
	scripts/lint.sh

run: deps build ## run the system locally: influxd, aggregator, firmware-sim, gateway (Ctrl-C stops)
	scripts/run.sh

clean: ## remove build output and the local run's data (.run); keeps .tools
	rm -rf bin .run out testoutput
