# bilancio — build, run the example, test, benchmark.
GO        ?= go
BIN       := bin
# The version lives in internal/version (its release line in base.txt): a
# build stamps the commit (and whether the tree had local changes); a
# release stamps the whole version with `make VERSION=1.2.3`. Plugins that
# cannot import internal/version are stamped with what bin/bilancio says.
VERSION   ?=
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
DIRTY     ?= $(shell git diff --quiet HEAD -- 2>/dev/null || echo true)
VERSION_PKG := github.com/bilancio-go/bilancio/internal/version
LDFLAGS   := -X $(VERSION_PKG).commit=$(COMMIT) -X $(VERSION_PKG).dirty=$(DIRTY) $(if $(VERSION),-X $(VERSION_PKG).version=$(VERSION))
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run test bench lint cross fuzz clean faults bench-million

all: build

# bin/bilancio (with bin/bilancio-sweep) and the executor plugins beside it
# (with their checksums), the worker remote executors ship, and the Modal
# emulator (below).
build: bilancio plugins worker emulator

# bilancio serves single runs itself (run, report, validate, analyze, ring,
# version) and hands every other command (sweep, plugins, volume, usage,
# worker, dev) over to bilancio-sweep beside it (cmd/bilancio-sweep): so a
# run does not load what sweeps link (gRPC, HCL, Parquet, plots). Without
# cgo: a static executable starts faster (no dynamic loader, no libc), and
# Go's own DNS resolver and user lookup serve bilancio.
.PHONY: bilancio
bilancio:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ . ./cmd/bilancio-sweep

# The worker that remote executors (Modal) run in their sandboxes:
# bilancio-sweep (which serves `worker`, and every other command of
# bilancio) for linux/amd64, statically linked, whatever this host is (so
# Modal works from macOS and Linux on ARM). bilancio finds it beside itself.
WORKER ?= $(BIN)/bilancio-worker-linux-amd64
.PHONY: worker
worker:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o $(WORKER) ./cmd/bilancio-sweep

# Build, then run the example sweep (examples/sweeps/ring.hcl) on the local
# executor into out/experiments/ring, and one scenario into out/runs/demo.
# Running it again resumes the sweep: finished runs are not repeated.
run: build
	$(BIN)/bilancio sweep run examples/sweeps/ring.hcl
	$(BIN)/bilancio run examples/scenarios/kalecki_ring.yaml -out out/runs/demo -force -quiet
	@echo "Open out/experiments/ring/aggregate/results.csv, or out/runs/demo/run.html for one run."

# All tests, including conformance against ../shared/conformance when present.
test:
	$(GO) vet ./...
	@test -d ../shared/conformance || echo "WARNING: ../shared/conformance not found: the conformance tests are SKIPPED (under CI=true they fail)" >&2
	$(GO) test -count=1 ./...

# The standing fault suite (internal/faults, build tag faults): sweeps killed
# at six points, interrupted, their plugin killed, a disk filled (a small
# tmpfs: needs root, skipped otherwise), run twice at once, a tampered
# plugin, damaged runs, stale temporary files; then the planning bounds
# (a huge design under Ctrl-C).
faults:
	$(GO) test -count=1 -tags faults ./internal/faults/
	BILANCIO_STRICT_TIMING=1 $(GO) test -count=1 -run 'TestHugeDesignsAreBounded' ./commands/

# Re-run bilancio's examples/kalecki/ring_sweep_config.yaml (13,500 runs) as
# bilancio of October 2025 and compare it with the results.csv it committed
# (out/experiments/expel_ring_sweep_clean): BILANCIO is a checkout or git
# directory of bilancio. A few minutes; ~1.2 GB of run folders in a temp dir.
reproduce-ring-sweep:
	@test -n "$(BILANCIO)" || (echo "usage: make reproduce-ring-sweep BILANCIO=/path/to/bilancio"; exit 2)
	BILANCIO_SOURCE="$(abspath $(BILANCIO))" $(GO) test -count=1 -timeout 60m -run '^TestReproduceRingSweepClean$$' -v ./internal/conformance/
.PHONY: reproduce-ring-sweep

# Every benchmark (ns/op, CPU per run, runs/s, B/op, allocs/op), on this
# machine's cores: the engine alone (internal/conformance), a whole run and
# its stages, the scaling table from 10 to 10,000 agents (internal/runner
# BenchmarkScaling), and `bilancio run` as a process (commands
# BenchmarkProcess*). Compare runs with benchstat (-count >= 5).
bench:
	@echo "cores: $$(nproc 2>/dev/null || sysctl -n hw.ncpu), GOMAXPROCS is the -N suffix of each benchmark"
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Issue 12's sweep measurements: CPU per run of bilancio's 13,500-run ring
# sweep on tmpfs, and its wall time on the normal disk over `cp -r` of the
# folder it wrote (DISK_DIR, default out/bench-sweep). BENCH_SWEEP=-quick
# runs 1,800 of the runs; FRESH_FS=1 (root) writes both into fresh ext4
# file systems, for a ratio that does not depend on the disk's history.
.PHONY: bench-sweep
bench-sweep: build
	BILANCIO=$(BIN)/bilancio scripts/bench-sweep.sh $(BENCH_SWEEP)

# Issue 12.4's million-run harness: an experiment folder of 1,000,000 done
# runs (made without simulating them, in a private tmpfs when root), and the
# time, CPU and peak memory of sweep status, plan, aggregate and a resumed
# sweep run on it. Several minutes.
bench-million:
	BILANCIO_MILLION_RUNS=1000000 $(GO) test -run '^$$' -bench 'MillionRuns' -benchtime 1x -timeout 2h -v ./internal/sweep/

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) vet -tags faults ./internal/faults/
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags faults ./internal/faults/
	$(MAKE) --no-print-directory cross

# bilancio and bilancio-sweep build for the desktops that drive Modal (the
# sandboxes run the static linux/amd64 worker that make build makes): go
# build of the two programs checks both and keeps neither.
cross:
	@for target in darwin/arm64 darwin/amd64 linux/arm64; do \
	  echo "cross-compiling for $$target"; \
	  GOOS=$${target%/*} GOARCH=$${target#*/} $(GO) build . ./cmd/bilancio-sweep || { echo "cross-compiling bilancio for $$target failed" >&2; exit 1; }; \
	done

# Fuzz the scenario loader, the dealer, the fast YAML path and the integer
# replay of the intraday metrics for a while each (FUZZTIME=10m for longer).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) ./internal/engine/
	$(GO) test -run '^$$' -fuzz FuzzDealerRun -fuzztime $(FUZZTIME) ./internal/engine/
	$(GO) test -run '^$$' -fuzz FuzzFastYAML -fuzztime $(FUZZTIME) ./internal/engine/
	$(GO) test -run '^$$' -fuzz FuzzReplay -fuzztime $(FUZZTIME) ./internal/metrics/
	$(GO) test -run '^$$' -fuzz FuzzManifestCodec -fuzztime $(FUZZTIME) ./sdk/runfolder/
	$(GO) test -run '^$$' -fuzz FuzzAmountOps -fuzztime $(FUZZTIME) ./internal/pynum/

clean:
	rm -rf $(BIN) out

# Regenerate sdk/proto's Go code from executor.proto (needs protoc, Debian's
# protobuf-compiler 3.21; the Go generators are pinned and built into bin/tools).
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.6
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
.PHONY: proto
proto:
	GOBIN=$(abspath $(BIN)/tools) $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(abspath $(BIN)/tools) $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH="$(abspath $(BIN)/tools):$$PATH" protoc -I sdk/proto \
		--go_out=sdk/proto --go_opt=paths=source_relative \
		--go-grpc_out=sdk/proto --go-grpc_opt=paths=source_relative \
		sdk/proto/executor.proto

# Executor plugins, next to bin/bilancio (the last place plugins are looked
# for), each with its NAME_SHA256SUM.
.PHONY: plugins
plugins: bilancio
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bilancio-executor-local ./plugins/local/cmd/bilancio-executor-local
	cd $(BIN) && (sha256sum bilancio-executor-local 2>/dev/null || shasum -a 256 bilancio-executor-local) | cut -d' ' -f1 > local_SHA256SUM
	$(GO) build -ldflags "-X github.com/bilancio-go/bilancio/plugins/slurm.version=$$($(BIN)/bilancio version -short)" -o $(BIN)/bilancio-executor-slurm ./plugins/slurm/cmd/bilancio-executor-slurm
	cd $(BIN) && (sha256sum bilancio-executor-slurm 2>/dev/null || shasum -a 256 bilancio-executor-slurm) | cut -d' ' -f1 > slurm_SHA256SUM
	$(GO) build -ldflags "-X github.com/bilancio-go/bilancio/plugins/modal.version=$$($(BIN)/bilancio version -short)" -o $(BIN)/bilancio-executor-modal ./plugins/modal/cmd/bilancio-executor-modal
	cd $(BIN) && (sha256sum bilancio-executor-modal 2>/dev/null || shasum -a 256 bilancio-executor-modal) | cut -d' ' -f1 > modal_SHA256SUM

# The Modal emulator (internal/modalemu), a development aid: a binary of its
# own so that bilancio does not link Modal's protocol (its registration
# cost every start of bilancio); `bilancio dev modal-emulator` runs it.
.PHONY: emulator
emulator:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bilancio-modal-emulator ./cmd/bilancio-modal-emulator

# Build bilancio, the modal executor plugin and the worker, start a local
# Modal emulator (bilancio dev modal-emulator, on 127.0.0.1) and run
# examples/sweeps/ring_modal.hcl through it into out/experiments/ring_modal.
# Needs a linux/amd64 host: the emulator runs the sandboxes' worker on it.
.PHONY: run-modal-demo
run-modal-demo: build
	@set -e; env_file=$$(mktemp); \
	$(BIN)/bilancio dev modal-emulator > $$env_file & emu=$$!; \
	trap 'kill $$emu 2>/dev/null; rm -f $$env_file' EXIT; \
	for i in $$(seq 50); do grep -q MODAL_TOKEN_SECRET $$env_file && break; sleep 0.1; done; \
	set -a; . $$env_file; set +a; \
	MODAL_CONFIG_PATH=/nonexistent/modal.toml $(BIN)/bilancio sweep estimate examples/sweeps/ring_modal.hcl; \
	MODAL_CONFIG_PATH=/nonexistent/modal.toml $(BIN)/bilancio sweep run -yes examples/sweeps/ring_modal.hcl

# Smoke test on the real Modal service (it costs a few cents): one
# scenario, then a 20-run sweep, each reported with the seconds per
# sandbox, runs/s and cost. Without credentials (MODAL_TOKEN_ID and
# MODAL_TOKEN_SECRET, or a token in ~/.modal.toml) it says it was skipped.
.PHONY: modal-smoke
modal-smoke: build
	BILANCIO=$(BIN)/bilancio scripts/modal-smoke.sh

# A real single-node Slurm on this machine (Debian, as root) for the Slurm
# executor's tests: scripts/slurm.sh installs munge, slurmctld, slurmd and
# slurm-client if missing and starts them (about 5 s). SLURM_ACCOUNTING=1
# adds slurmdbd and MariaDB so that sacct works (the tests that read sacct
# need it). slurm-down cancels every job and stops the daemons.
SLURM_ACCOUNTING ?= 0
.PHONY: slurm-up slurm-down
slurm-up:
	SLURM_ACCOUNTING=$(SLURM_ACCOUNTING) scripts/slurm.sh up
slurm-down:
	scripts/slurm.sh down
