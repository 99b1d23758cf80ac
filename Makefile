# dumpguard: make test is what CI runs (.ci/run).
GO        ?= go
FUZZTIME  ?= 60s
BENCHSIZE ?= 1024
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64
# make test compiles for one platform of each other OS; make release builds them all.
CHECKED   := windows/amd64 darwin/arm64

.PHONY: build test race check lint bench bench-go fuzz release clean

build:
	$(GO) build -o dumpguard .

# Unit, fuzz-seed, golden and CLI tests, vet, and a compile check for every
# release platform (the gate must run on the Windows servers minidumps come from).
test: check
	$(GO) test -count=1 ./...
	@for p in $(CHECKED); do \
		echo "compile $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -o /dev/null . || exit 1; \
	done

race:
	$(GO) test -race -count=1 ./...

check lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Whole-binary throughput and peak memory against baselines measured in the
# same run (rg for one literal; zstd -d for compressed input). See scripts/bench.sh.
bench: build
	BENCHSIZE=$(BENCHSIZE) ./scripts/bench.sh | tee bench.txt

# Per-detector and engine micro-benchmarks; compare runs with benchstat.
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem -count=6 ./detectors ./scanner | tee bench-go.txt

# One line per fuzz target: -fuzz takes one target per package.
fuzz:
	$(GO) test ./detectors -run='^$$' -fuzz='^FuzzPEM$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./scanner -run='^$$' -fuzz='^FuzzWindows$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./cmd -run='^$$' -fuzz='^FuzzDecodePolicy$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./cmd -run='^$$' -fuzz='^FuzzRedactWriter$$' -fuzztime=$(FUZZTIME)

release:
	@mkdir -p dist
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "dist/dumpguard-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags=-s -o dist/dumpguard-$$os-$$arch$$ext . || exit 1; \
	done

clean:
	rm -rf dumpguard dist bench bench.txt
