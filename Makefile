# A thin wrapper over CMake and ctest; README.md explains the targets.
#   make            build everything into build/ (the tool is build/wactor); the Rust and
#                   AssemblyScript examples and tests too when their toolchains are installed
#   make run        install what is missing, build, run the fanout and ping-pong examples
#   make test       install what is missing, build, convert the spec tests, run ctest
#   make test-asan  the same tests built with AddressSanitizer + UBSan in build-asan/,
#                   with the interpreter's portable switch dispatch
#   make test-tsan  the runtime's tests (e2e, failure, storage, edge, api, upgrade, reload, router,
#                   lattice, headers, httpout, groups, pool, kids, timers) built with
#                   ThreadSanitizer (clang) in build-tsan/; any report fails
#   make spectest   run only the spec suite, in both tiers (interpreter, then compiled)
#   make fuzz       build the libFuzzer targets in build-fuzz/; make fuzz-run,
#                   make fuzz-run-manifest, make fuzz-run-frame and make fuzz-run-aot (the two
#                   tiers against each other) run them
#   make bench-engine  time the engine against native code and wabt (never part of test)
#   make bench-aot  only bench-engine's AOT table: the AOT tier against native and wasm2c, timed
#                   round by round (a few minutes)
#   make bench-messaging  time messaging, fan-out and spawning (never part of test)
#   make bench-messaging-aot  the round trip, fire-and-forget and spawn with every component
#                   interpreted, then compiled (AOT tier)
#   make bench-spawn  children from a template against the host API, memory, Erlang's spawn;
#                   interpreted, then compiled
#   make bench-counters  the same round trip and fire-and-forget with and without the counters
#   make bench-trace  the same round trip and fire-and-forget with traces off and on
#   make bench-upgrade  the time a component is unavailable during a hot upgrade
#   make bench-lattice  cross-host messaging over NATS against raw libnats; local cost of a lattice
#   make bench-timers  CPU per firing of 100,000 periodic component timers against plain rt timers
#   make bench-http  HTTP requests through wactor to an echo component against raw libmicrohttpd
#   make bench-sdk  a Rust echo component's size and round trip against the C echo's
#   make bench-simd  SIMD kernels built with and without -msimd128 under wactor, against native
#   make bench-programs  zlib, Lua and SQLite from Debian sources: native, both tiers and node
#                   (needs network once; the first run compiles SQLite for minutes)
#   make check-programs  real programs from Debian source packages (zlib's minigzip), built to
#                   wasm32-wasi and run with wactor exec, against native (needs network once)
#   make format     clang-format the C sources

JOBS ?= 2
SHARED ?= ../shared
SPECTEST_DATA := build/spectest
FUZZ_SECONDS ?= 600
CTEST := ctest --output-on-failure -j$(JOBS)

.PHONY: all deps build run test test-asan asan-dir test-tsan spectest spectest-data fuzz fuzz-run fuzz-run-aot fuzz-run-manifest fuzz-run-frame bench-engine bench-aot \
	bench-messaging bench-messaging-aot bench-spawn bench-counters bench-trace bench-upgrade bench-lattice bench-timers bench-http bench-sdk bench-simd bench-programs check-programs format clean

all: build

deps:
	@scripts/install-deps.sh

build:
	@test -f build/CMakeCache.txt || cmake -S . -B build
	cmake --build build -j$(JOBS)

run: deps
	@$(MAKE) --no-print-directory build
	build/wactor call build/examples/fanout/wactor.yaml front "hello from make run"
	@echo
	build/wactor call --log-level info build/examples/pingpong/wactor.yaml ping 3
	@echo

test: deps
	@$(MAKE) --no-print-directory build spectest-data
	cd build && $(CTEST)

# Converted once (the 2.0 suite, then the proposals we implement: tests/spectest/convert-proposals.sh):
# delete build/spectest to convert again.
spectest-data: | $(SPECTEST_DATA)
$(SPECTEST_DATA):
	rm -rf $@.tmp
	$(SHARED)/testsuite/convert.sh $@.tmp
	tests/spectest/convert-proposals.sh $(SHARED)/testsuite $@.tmp
	mv $@.tmp $@

spectest: deps
	@$(MAKE) --no-print-directory build spectest-data
	build/tests/spectest $(SPECTEST_DATA)
	build/tests/spectest --quiet --aot build/spectest-aot $(SPECTEST_DATA)

# Sanitizers over both dispatch modes of the interpreter: the portable switch
# (build-asan) and the threaded computed gotos that release builds use
# (build-asan-threaded).
test-asan: deps
	@$(MAKE) --no-print-directory spectest-data
	@$(MAKE) --no-print-directory asan-dir DIR=build-asan FLAGS=-DWA_NO_COMPUTED_GOTO
	@$(MAKE) --no-print-directory asan-dir DIR=build-asan-threaded FLAGS=

asan-dir:
	@test -f $(DIR)/CMakeCache.txt || cmake -S . -B $(DIR) -DWACTOR_SANITIZE=ON \
		"-DCMAKE_C_FLAGS=$(FLAGS)"
	@test -e $(DIR)/spectest || ln -s $(CURDIR)/$(SPECTEST_DATA) $(DIR)/spectest
	cmake --build $(DIR) -j$(JOBS)
	cd $(DIR) && $(CTEST)

# ThreadSanitizer over the tests whose threads share actors, mailboxes, envelopes
# and linear memories. halt_on_error: the first report ends the process with
# exitcode 66, so ctest fails the case; nothing is suppressed. e2e.concurrency
# sends 3,000 rather than 10,000 messages and requests per pair of components
# (E2E_BLAST_N): some 35 times slower under TSan, the full run nears its timeout on
# a busy machine; a third of a million messages still cross every edge.
TSAN_OPTIONS_CI := halt_on_error=1 exitcode=66 second_deadlock_stack=1 report_signal_unsafe=1
# LLVM 14's TSan cannot map its shadow memory when the kernel randomises mmap
# with more than 28 bits (vm.mmap_rnd_bits): run the tests without address
# space randomisation where setarch allows it.
NO_ASLR = $$(setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R)

test-tsan: deps
	@test -f build-tsan/CMakeCache.txt || CC=clang cmake -S . -B build-tsan -DWACTOR_TSAN=ON
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS="$(TSAN_OPTIONS_CI) $${TSAN_OPTIONS:-}" E2E_BLAST_N=3000 \
		$(NO_ASLR) $(CTEST) -R '^(e2e|failure|storage|edge|api|upgrade|control|reload|router|lattice|headers|httpout|http|groups|pool|kids|timers)\.'

fuzz: deps
	@test -f build-fuzz/CMakeCache.txt || CC=clang cmake -S . -B build-fuzz -DWACTOR_FUZZ=ON
	cmake --build build-fuzz -j$(JOBS) --target fuzz_module fuzz_manifest fuzz_frame fuzz_aot

# One job; new inputs are added to build-fuzz/corpus, crashes land in build-fuzz/.
fuzz-run: fuzz
	@$(MAKE) --no-print-directory spectest-data
	@test -d build-fuzz/corpus || fuzz/seed.sh $(SPECTEST_DATA) build-fuzz/corpus
	build-fuzz/fuzz_module -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/ build-fuzz/corpus

# The manifest parser, seeded with the examples' manifests.
# The two tiers against each other (fuzz/fuzz_aot.c): each input is compiled with the system C
# compiler, so it runs tens of inputs a second, not thousands. One job; its corpus starts from
# the spec modules as fuzz-run's does, and from modules aimed at the bounds checks the compiled
# tier leaves out (fuzz/bounds_modules.py).
fuzz-run-aot: fuzz
	@test -d build-fuzz/corpus-aot || { fuzz/seed.sh $(SPECTEST_DATA) build-fuzz/corpus-aot && \
	  python3 fuzz/bounds_modules.py 200 build-fuzz/corpus-aot; }
	build-fuzz/fuzz_aot -max_total_time=$(FUZZ_SECONDS) -timeout=60 -rss_limit_mb=4096 \
		-artifact_prefix=build-fuzz/aot- build-fuzz/corpus-aot

fuzz-run-manifest: fuzz
	@mkdir -p build-fuzz/corpus-manifest
	@for d in examples/*/; do \
	  test ! -f $$d/wactor.yaml || cp $$d/wactor.yaml build-fuzz/corpus-manifest/$$(basename $$d).yaml; \
	done
	build-fuzz/fuzz_manifest -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/manifest- build-fuzz/corpus-manifest

# The lattice's frame decoder (src/lattice/wire.c), from an empty corpus.
fuzz-run-frame: fuzz
	@mkdir -p build-fuzz/corpus-frame
	build-fuzz/fuzz_frame -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/frame- build-fuzz/corpus-frame

bench-engine: build
	bench/engine/run.sh

# Builds only what the AOT comparison needs: no interpreter table, wasm-interp or engine_stats.
bench-aot:
	@test -f build/CMakeCache.txt || cmake -S . -B build
	cmake --build build -j$(JOBS) --target wactor
	BENCH_ONLY=aot bench/engine/run.sh

bench-simd: build
	python3 bench/simd/run.py

# Real programs (bench/programs): fetches zlib, lua5.4 and sqlite3 sources once into build/programs.
bench-programs: build
	python3 bench/programs/run.py

# Builds only what the benchmark needs (bench/messaging is excluded from `all`); configures
# first, since a build tree made before bench/messaging existed does not know its target.
bench-messaging:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target bench_messaging
	bench/messaging/run.sh

bench-messaging-aot:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target wactor bench_messaging
	bench/messaging/run.sh --aot

# Needs Debian's Rust (scripts/install-deps.sh): the Rust echo is built by cargo.
# Fetches the sources once into build/programs (apt-get source with a private deb-src list).
check-programs: build
	sh tests/programs/check-programs.sh build/wactor build/programs

bench-sdk:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target bench_sdk
	build/bench/sdk/bench_sdk build/bench/sdk/sdk_c_echo.wasm build/examples/rust/echo/echo.wasm

# How long a component is unavailable during a hot upgrade (median of 100; tests/upgrade).
bench-spawn:
	cmake -S . -B build >/dev/null
	cmake --build build -j$(JOBS) --target bench_spawn
	build/bench/spawn/bench_spawn
	cmake --build build -j$(JOBS) --target wactor
	build/wactor compile build/bench/spawn/bs_idle.wasm
	build/wactor compile build/bench/spawn/bs_spawner.wasm
	build/bench/spawn/bench_spawn --tier aot

bench-upgrade:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target upgrade_test
	build/tests/upgrade_test bench build/tests/upgrade_agent.wasm 2>/dev/null

# The statistics' counters on the message path: with and without, interleaved (run.sh --counters).
# Needs nats-server and libnats (make deps); starts its own server on a free loopback port.
bench-lattice:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target wactor guest_lat_agent natsbench
	bench/lattice/run.sh

# CPU per firing: 100,000 periodic timers of components against plain rt timers (bench/timers).
bench-timers:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target bench_timers
	build/bench/timers/bench_timers build/tests/timer_agent.wasm

bench-http:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target wactor bench_http
	bench/http/run.sh

bench-counters:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target bench_messaging bench_messaging_nocount
	bench/messaging/run.sh --counters

bench-trace:
	@cmake -S . -B build > /dev/null
	cmake --build build -j$(JOBS) --target bench_messaging
	bench/messaging/run.sh --trace

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

clean:
	rm -rf build build-asan build-asan-threaded build-tsan build-fuzz
