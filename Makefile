# dumpguard: make test is what CI runs (.ci/run).
GO        ?= go
FUZZTIME  ?= 60s
BENCHSIZE ?= 1024
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64
# make test compiles for one platform of each other OS; make release builds them all.
CHECKED   := windows/amd64 darwin/arm64
PREFIX    ?= /usr/local
DESTDIR   ?=

# Stamped into the binary by build, release, install and image; see
# internal/version (without them it falls back on the Go build information).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
VERSIONX   = -X dumpguard/internal/version.version=$(VERSION) -X dumpguard/internal/version.commit=$(COMMIT) -X dumpguard/internal/version.date=$(DATE)
# make image uses podman, or else docker.
CONTAINER ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
IMAGE     ?= dumpguard:$(or $(VERSION),dev)

.PHONY: build test test-windows race check lint bench bench-go fuzz release image doc install uninstall clean

build:
	$(GO) build -ldflags='$(VERSIONX)' -o dumpguard .

# Unit, fuzz-seed, golden and CLI tests, vet, a compile check for every
# release platform (the gate must run on the Windows servers minidumps come
# from), and the Windows build run under Wine where Wine is installed.
test: check
	$(GO) test -count=1 ./...
	@for p in $(CHECKED); do \
		echo "compile $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -o /dev/null . || exit 1; \
	done
	@if ! command -v wine >/dev/null 2>&1; then echo "test-windows: skipped (no wine)"; \
	elif ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then echo "test-windows: skipped (no x86_64-w64-mingw32-gcc)"; \
	else $(MAKE) --no-print-directory test-windows; fi

# The windows/amd64 binary under Wine: scan and inspect of the Windows
# minidumps, gate over Z:\ paths with spaces (scripts/test-windows.sh).
test-windows:
	GO=$(GO) ./scripts/test-windows.sh

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
	container:FuzzSniff container:FuzzWalk container:FuzzXZGuard \
	detectors:FuzzPEM detectors:FuzzDER detectors:FuzzPKCS12 detectors:FuzzJWK \
	detectors:FuzzBlob detectors:FuzzOpenSSHBlob detectors:FuzzPuTTY detectors:FuzzPGP \
	detectors:FuzzLoadPublicKeys internal/hunt:FuzzHarvest internal/hunt:FuzzHunt \
	elfcore:FuzzNewFile minidump:FuzzNewFile scanner:FuzzWindows \
	internal/policy:FuzzDecodePolicy internal/redact:FuzzWriter internal/dumpio:FuzzEscape \
	internal/prefilter:FuzzFind internal/keys:FuzzSlider internal/keys:FuzzSecp256k1Comb \
	internal/keys:FuzzEd25519Public detectors:FuzzSet

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
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags='-s $(VERSIONX)' -o dist/dumpguard-$$os-$$arch$$ext . || exit 1; \
	done

# A static binary on a distroless, non-root base (Containerfile).
image:
	@if [ -z "$(CONTAINER)" ]; then echo "make image: neither podman nor docker is installed" >&2; exit 1; fi
	$(CONTAINER) build -f Containerfile --build-arg VERSION='$(VERSION)' --build-arg COMMIT='$(COMMIT)' \
		--build-arg DATE='$(DATE)' -t '$(IMAGE)' .

# Man pages and bash, zsh and fish completions, generated from the commands.
doc:
	rm -rf build/doc
	$(GO) run ./tools/gendoc -out build/doc

BINDIR  = $(DESTDIR)$(PREFIX)/bin
MANDIR  = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR  = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

install: build doc
	install -d '$(BINDIR)' '$(MANDIR)' '$(BASHDIR)' '$(ZSHDIR)' '$(FISHDIR)'
	install -m 0755 dumpguard '$(BINDIR)/dumpguard'
	install -m 0644 build/doc/man/man1/*.1 '$(MANDIR)'
	install -m 0644 build/doc/completion/dumpguard.bash '$(BASHDIR)/dumpguard'
	install -m 0644 build/doc/completion/_dumpguard '$(ZSHDIR)/_dumpguard'
	install -m 0644 build/doc/completion/dumpguard.fish '$(FISHDIR)/dumpguard.fish'

uninstall:
	rm -f '$(BINDIR)/dumpguard' '$(MANDIR)'/dumpguard.1 '$(MANDIR)'/dumpguard-*.1 \
		'$(BASHDIR)/dumpguard' '$(ZSHDIR)/_dumpguard' '$(FISHDIR)/dumpguard.fish'

clean:
	rm -rf dumpguard dist build bench bench.txt
