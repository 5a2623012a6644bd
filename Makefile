# sigpolicy — build, test and demo. Every Go command runs with the
# containers_image_openpgp tag (no gpgme, no cgo).
GO        ?= go
TAGS      := containers_image_openpgp
GOFLAGS_T := -tags $(TAGS)
BIN       := bin/sigpolicy
export CGO_ENABLED ?= 0

.PHONY: all build test lint demo bench bench-oneshot fuzz test-integration clean

all: lint build test

build:
	$(GO) build $(GOFLAGS_T) -o $(BIN) ./cmd/sigpolicy

test:
	$(GO) test $(GOFLAGS_T) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOFLAGS_T) ./...

demo: build
	BIN=$(BIN) ./scripts/demo.sh

bench:
	$(GO) test $(GOFLAGS_T) -run '^$$' -bench . -benchmem ./...

# One-shot `sigpolicy verify` beside a hello-world, the floor, the library's
# one-shot and the libraries' start-up (Debian's hyperfine).
bench-oneshot:
	./scripts/bench-oneshot.sh

# Fuzz every target for FUZZTIME (default 5s) each.
fuzz:
	./scripts/fuzz.sh

# Fixture and verification tests against a real registry server (Debian's
# docker-registry package) started on loopback; the audit HTML report in
# headless Chromium; deploy/ manifests through kubectl's client side.
test-integration:
	./scripts/test-integration.sh -p 1 ./fixtures/... ./verify/... ./audit/...

clean:
	rm -rf bin rendered
