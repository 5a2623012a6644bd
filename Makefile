# sigpolicy — build, test and demo. Every Go command runs with the
# containers_image_openpgp tag (no gpgme, no cgo).
GO        ?= go
TAGS      := containers_image_openpgp
GOFLAGS_T := -tags $(TAGS)
BIN       := bin/sigpolicy
export CGO_ENABLED ?= 0

.PHONY: all build test lint demo bench fuzz test-integration clean

all: lint build test

build:
	$(GO) build $(GOFLAGS_T) -o $(BIN) ./cmd/sigpolicy

test:
	$(GO) test $(GOFLAGS_T) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOFLAGS_T) ./...

demo: build
	rm -rf rendered
	./$(BIN) validate -f examples/
	./$(BIN) render -f examples/ -o rendered
	@for f in $$(find rendered -type f | sort); do echo "== $$f"; cat $$f; echo; done

bench:
	$(GO) test $(GOFLAGS_T) -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin rendered
