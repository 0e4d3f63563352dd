# Thin wrapper around CMake. `make run` and `make check` install the Debian
# packages they need first (scripts/deps.sh), then build.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
# Ninja when it is there (scripts/deps.sh installs it): a quarter less build
# time than make's recursive Makefiles. A build directory keeps the generator
# it was first configured with.
generator = $(if $(wildcard $(1)/CMakeCache.txt),,$(if $(shell command -v ninja),-G Ninja))

.PHONY: all deps deps-run deps-check deps-bench deps-fuzz compile build run check check-build check-asan distcheck test test-asan asan bench fuzz clean install soak

all: build

# What each goal needs (scripts/deps.sh says why each package is there).
deps:
	./scripts/deps.sh all
deps-run:
	./scripts/deps.sh run
deps-check:
	./scripts/deps.sh check
deps-bench:
	./scripts/deps.sh bench
deps-fuzz:
	./scripts/deps.sh fuzz

# What `make run` needs: the binary, its ostree module, man pages and completion.
compile:
	cmake -S . -B $(BUILD) $(call generator,$(BUILD)) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS) --target driftwatch driftwatch-ostree driftwatch-generated

build: deps-run compile

# The main job on this host. Exit 1 only means the scan found something.
run: build
	$(BUILD)/driftwatch scan; rc=$$?; [ $$rc -le 1 ] || exit $$rc

# CMake's install rules (binary, ostree module, generated man pages and
# completion, rules, examples, docs): `make install PREFIX=/usr DESTDIR=$PWD/pkg`.
# A build directory configured before keeps its build type (only PREFIX is
# set), so installing from it rebuilds nothing that is up to date.
PREFIX ?= /usr/local
install: deps-run
	cmake -S . -B $(BUILD) $(call generator,$(BUILD)) $(if $(wildcard $(BUILD)/CMakeCache.txt),,-DCMAKE_BUILD_TYPE=RelWithDebInfo) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS) --target driftwatch driftwatch-ostree driftwatch-generated
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

asan: deps-check
	cmake -S . -B $(BUILD_ASAN) $(call generator,$(BUILD_ASAN)) -DCMAKE_BUILD_TYPE=Debug -DDW_SANITIZE=ON -DDW_TESTS=ON -DDW_RELEASE_BINARY=
	cmake --build $(BUILD_ASAN) -j $(JOBS)

test: deps-check
	cmake -S . -B $(BUILD) $(call generator,$(BUILD)) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDW_TESTS=ON
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Every test but the peer oracles, under AddressSanitizer + UBSan.
test-asan: asan
	cd $(BUILD_ASAN) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -LE oracle

# The builds `make check` tests: the release binary users run, with its
# generated man pages and completion, and the sanitizer build of everything
# (build-asan/: ASan + UBSan). The release binary is built in a directory of
# its own (build-check/) with the release build's -O2 and without -g: debug
# information never changes the code GCC generates, and it costs about a third of the
# release build's compile time. `make run`'s build/ is left as it is.
BUILD_CHECK ?= build-check
check-build: deps-check
	cmake -S . -B $(BUILD_CHECK) $(call generator,$(BUILD_CHECK)) -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
	cmake --build $(BUILD_CHECK) -j $(JOBS) --target driftwatch driftwatch-generated
	cmake -S . -B $(BUILD_ASAN) $(call generator,$(BUILD_ASAN)) -DCMAKE_BUILD_TYPE=Debug -DDW_SANITIZE=ON -DDW_TESTS=ON -DDW_RELEASE_BINARY=$(CURDIR)/$(BUILD_CHECK)/driftwatch
	cmake --build $(BUILD_ASAN) -j $(JOBS)

# One more job than cores: a share of the cases wait on daemons and timers.
CTEST_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))

# Every test once but the package builds: unit tests, fuzz corpora and the
# hostile-input cases under the sanitizers; the other end-to-end cases, the
# peer oracles and the memory bounds on the release binary (tests/CMakeLists.txt).
check: check-build
	cd $(BUILD_ASAN) && $(SANITIZER_ENV) ctest --output-on-failure -j $(CTEST_JOBS) -LE package

# The end-to-end cases `make check` ran on the release binary, under the
# sanitizers (CI runs it after `make check`).
check-asan: check-build
	cd $(BUILD_ASAN) && DW_E2E_SANITIZE=all $(SANITIZER_ENV) ctest --output-on-failure -j $(CTEST_JOBS) -L release

# The Debian package and the RPM built from the tree's files and checked
# (tests/e2e/test-deb.sh, test-rpm.sh), and a configure with only the run
# packages (test-configure-run-deps.sh); CI runs it.
distcheck: check-build
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) -L package

# libFuzzer on each harness (or those in FUZZ="a b") for FUZZ_SECONDS (clang),
# corpora in build-fuzz/corpus-*: executions, exec/s and coverage per harness,
# then a table; exit 1 on any crash, leak, OOM or input slower than FUZZ_TIMEOUT s.
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ ?=
fuzz: deps-fuzz
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDW_FUZZ=ON -DDW_WERROR=OFF
	cmake --build build-fuzz -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) ./scripts/fuzz.sh build-fuzz $(FUZZ)

bench: deps-bench compile
	./bench/startup.sh
	./bench/fim.sh

# The agent's fault tests at the issue's full scale (#15: 50,000 findings,
# a 60 s receiver outage, 20 kills, 100 agents): the same scripts `make check` runs at a
# small scale, with DW_SOAK=1, on the release build.
AGENT_SOAK_TESTS = test-agent-syslog test-agent-syslog-tls test-agent-kill test-agent-memory test-agent-relp test-agent-http test-agent-fleet
soak: deps-check compile
	cmake --build $(BUILD) -j $(JOBS) --target driftwatch-generated dw-ship-test
	cd $(BUILD) && DW_SOAK=1 ctest --output-on-failure -R '$(subst $(eval) ,|,$(AGENT_SOAK_TESTS))'

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_CHECK)
