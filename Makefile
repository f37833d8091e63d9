# The two commands: `make demo` and `make test`. Each installs what is missing (as root on
# Debian 12), builds, and runs. CI runs `make test` through .ci/run.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)

# C++ build and test dependencies, all Debian 12 packages.
APT_PACKAGES := g++ make cmake pkg-config ca-certificates \
  libboost1.81-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libspdlog-dev libcli11-dev \
  libgtest-dev libgmock-dev clang-format clang-tidy

.PHONY: all deps build test demo format lint clean

all: build

# apt-get only when a package is missing; npm ci only when the lockfile changed.
deps:
	@missing="$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done; command -v node >/dev/null || echo nodejs npm)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then \
	  npm ci --no-audit --no-fund && touch node_modules/.installed; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	AUTO_RECORDER_BIN=$(BUILD_DIR)/auto-recorder node scripts/demo.mjs

SOURCES = $(shell find src tests -name '*.cpp' -o -name '*.hpp')

format:
	clang-format -i $(SOURCES)

lint: build
	clang-format --dry-run --Werror $(SOURCES)
	clang-tidy -p $(BUILD_DIR) --quiet $(filter %.cpp,$(SOURCES))

clean:
	rm -rf $(BUILD_DIR)
