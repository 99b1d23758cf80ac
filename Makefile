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

# Every fuzz target, as package:Function (-fuzz takes one target per run);
# TestMakefileFuzzTargets checks that this list names them all.
FUZZ_TARGETS := \
	container:FuzzSniff container:FuzzWalk \
	detectors:FuzzPEM detectors:FuzzDER detectors:FuzzPKCS12 detectors:FuzzJWK \
	detectors:FuzzBlob detectors:FuzzOpenSSHBlob detectors:FuzzPuTTY detectors:FuzzPGP \
	detectors:FuzzLoadPublicKeys detectors:FuzzHarvest detectors:FuzzHunt detectors:FuzzSet \
	elfcore:FuzzNewFile minidump:FuzzNewFile scanner:FuzzWindows internal/prefilter:FuzzFind \
	internal/policy:FuzzDecodePolicy internal/redact:FuzzWriter internal/report:FuzzEscape

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; echo "== $$pkg $$fn"; \
		$(GO) test ./$$pkg -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s || exit 1; \
	done

release:
	@mkdir -p dist
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "dist/dumpguard-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags=-s -o dist/dumpguard-$$os-$$arch$$ext . || exit 1; \
	done

clean:
	rm -rf dumpguard dist bench bench.txt
