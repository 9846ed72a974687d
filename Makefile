# bilancio — build, run the example, test, benchmark.
GO        ?= go
BIN       := bin
VERSION   ?= 0.1.0-dev
LDFLAGS   := -X github.com/bilancio-go/bilancio/commands.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run test bench lint fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bilancio .

# Build, then run the example scenario into out/runs/demo.
run: build
	$(BIN)/bilancio run examples/scenarios/kalecki_ring.yaml -out out/runs/demo
	@echo "Open out/runs/demo/run.html in a browser to see the run."

# All tests, including conformance against ../shared/conformance when present.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Fuzz the scenario loader for a while (FUZZTIME=10m for longer).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) ./internal/engine/

clean:
	rm -rf $(BIN) out
