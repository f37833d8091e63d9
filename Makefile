# The two commands: `make demo` and `make test`. Each installs what is missing (as root on
# Debian 12), builds, and runs. CI runs `make test` through .ci/run; deploy/Dockerfile runs the
# same `make build`, with the same build type: what the tests run is what the image ships.
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
BUILD_TESTING ?= ON
JOBS       ?= $(shell nproc)

# What the C++ build needs: Debian 12 packages only.
BUILD_PACKAGES := g++ make cmake pkg-config ca-certificates \
  libboost1.81-dev libssl-dev libyaml-cpp-dev libspdlog-dev libcli11-dev \
  libhiredis-dev libre2-dev libsqlite3-dev libpq-dev
# What the tests add: GoogleTest, the style checkers, openssl (test certificates), promtool (from
# prometheus: checks /metrics), clang with libFuzzer and sanitizer runtimes, redis-server (the
# replicas' coordination tests run a real one), tinyproxy (LiveKit through a proxy), buildah and
# debootstrap (the image test builds deploy/Dockerfile without a container daemon), postgresql-15
# (the ledger of several replicas is tested on a real server), chromium (the ledger's /ui page is
# rendered headless), unzip (the Helm test takes helm out of an npm package's zip), Node.js for
# the LiveKit stand-in.
TEST_PACKAGES := libgtest-dev libgmock-dev clang-format clang-tidy openssl prometheus \
  clang libclang-rt-14-dev redis-server buildah debootstrap tinyproxy postgresql-15 \
  chromium unzip
# What `make bench` adds: the load generator, the do-nothing ceiling, the instruction counter,
# GNU time (the peak memory of `report`).
BENCH_PACKAGES := wrk nginx-light valgrind time

.PHONY: all deps-build deps-test deps-bench build test check-fast demo bench fuzz sanitize format \
  lint image clean

all: build

# apt-get only when a package is missing.
define apt_install
	@missing="$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call apt_install,$(BUILD_PACKAGES))

# npm ci only when the lockfile changed since the last install.
# One apt-get run for everything `make test` needs, so the package lists are fetched once.
deps-test:
	$(call apt_install,$(BUILD_PACKAGES) $(TEST_PACKAGES) $(if $(shell command -v node),,nodejs npm))
	@if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then \
	  npm ci --no-audit --no-fund && touch node_modules/.installed; \
	fi

build: deps-build
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DBUILD_TESTING=$(BUILD_TESTING)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps-test build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The inner loop (about 2 minutes): unit, integration and deploy tests and clang-format, without
# the image, clang-tidy and the sanitizer builds that `make test` adds.
check-fast: deps-test build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration|deploy' && \
	  ctest --output-on-failure -R lint.clang_format

# Side by side with a Node receiver on LiveKit's SDK; rewrites the table in docs/performance.md.
# Not part of `make test`.
deps-bench: deps-test
	$(call apt_install,$(BENCH_PACKAGES))

bench: deps-bench build
	AUTO_RECORDER_BIN=$(BUILD_DIR)/auto-recorder node bench/run.mjs

# Longer fuzzing than CI's 15 s per target: FUZZ_SECONDS=600 make fuzz
FUZZ_SECONDS ?= 300
fuzz: deps-test
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/sanitize.sh fuzz $(BUILD_DIR)-asan

# The test suite under ASan + UBSan, then under TSan (both also part of `make test`).
sanitize: deps-test
	tests/sanitize.sh asan $(BUILD_DIR)-asan
	tests/sanitize.sh tsan $(BUILD_DIR)-tsan

demo: deps-test build
	AUTO_RECORDER_BIN=$(BUILD_DIR)/auto-recorder node scripts/demo.mjs

# The container image, labelled with this version, commit and repository: `docker build` where a
# Docker engine runs, else buildah (Debian's package; no daemon needed). The repository's URL
# loses any user:token@ a CI checkout puts in it: labels are public to whoever pulls the image.
VERSION := $(shell sed -n 's/^project.auto-recorder VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
IMAGE ?= livekit-auto-recorder:$(VERSION)
SOURCE_URL = $(shell git remote get-url origin 2>/dev/null | sed -E 's,^([a-z+]+://)[^/@]*@,\1,')
image:
	$(if $(shell docker info >/dev/null 2>&1 && echo yes),docker build,buildah bud --isolation chroot) \
	  -f deploy/Dockerfile -t $(IMAGE) --build-arg VERSION=$(VERSION) \
	  --build-arg REVISION="$$(git rev-parse HEAD 2>/dev/null)" \
	  --build-arg SOURCE_URL="$(SOURCE_URL)" .

SOURCES = $(shell find src tests -name '*.cpp' -o -name '*.hpp')

format:
	clang-format -i $(SOURCES)

lint: deps-test build
	clang-format --dry-run --Werror $(SOURCES)
	tests/clang_tidy.sh $(BUILD_DIR)/tidy $(BUILD_TYPE)

clean:
	rm -rf $(BUILD_DIR)
