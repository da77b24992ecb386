#!/bin/sh
# Command-line tests for build/wactor, one case per ctest test.
# Usage: cli_test.sh CASE WACTOR GUEST_DIR HELLO_WASM [EXAMPLES_DIR]
# GUEST_DIR holds the guests of tests/guest (exit3.wasm, trap.wasm, ...); EXAMPLES_DIR holds the
# built examples (pingpong/ and fanout/, each with its wactor.yaml) and defaults to the folder of
# HELLO_WASM.
set -u

case_name=$1
wactor=$2
guests=$3
hello=$4
examples=${5:-$(dirname "$hello")}
pingpong=$examples/pingpong/wactor.yaml
fanout=$examples/fanout/wactor.yaml

tmp=$(mktemp -d) || exit 1
trap 'stop_background; rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/lib.sh"

# A manifest with one component `silent` (tests/guest/silent.c) and the extra YAML lines given.
silent_manifest() {
    {
        printf 'components:\n  silent:\n    wasm: %s\n' "$guests/silent.wasm"
        for line in "$@"; do
            printf '    %s\n' "$line"
        done
    } >"$tmp/wactor.yaml"
}

case $case_name in
version)
    run "$wactor" --version
    expect_status 0
    [ "$(cat "$out")" = "wactor 0.3.0" ] || fail "unexpected version line"
    # The common flags after any command's name: --version, and --log-level, which the
    # commands that log nothing check and ignore.
    for cmd in run call send validate inspect exec; do
        run "$wactor" "$cmd" --version
        expect_status 0
        [ "$(cat "$out")" = "wactor 0.3.0" ] || fail "$cmd --version: unexpected version line"
    done
    run "$wactor" validate --log-level debug "$pingpong"
    expect_status 0
    run "$wactor" inspect --log-level info "$hello"
    expect_status 0
    run "$wactor" exec --log-level error "$hello"
    expect_status 0
    run "$wactor" inspect --log-level loud "$hello"
    expect_status 4
    expect_one_error_line "--log-level needs one of trace, debug, info, warn, error, not loud"
    ;;
help)
    run "$wactor" --help
    expect_status 0
    grep -q 'exec' "$out" || fail "--help does not list exec"
    for cmd in exec inspect run call send validate status top stop reload hosts; do
        grep -q "^  $cmd " "$out" || fail "--help does not list $cmd"
    done
    grep -q 'not available' "$out" && fail "--help lists a command as not available"
    for cmd in exec inspect run call send validate status top stop reload hosts; do
        run "$wactor" "$cmd" --help
        expect_status 0
        grep -q "usage: wactor $cmd" "$out" || fail "$cmd --help shows no usage"
    done
    run "$wactor" run --help
    grep -q -- '--watch' "$out" || fail "run --help does not describe --watch"
    grep -q 'SIGHUP' "$out" || fail "run --help does not describe SIGHUP"
    run "$wactor" reload "a.yaml" extra
    expect_status 4
    ;;
usage)
    run "$wactor"
    expect_status 4
    run "$wactor" frobnicate
    expect_status 4
    expect_one_error_line "frobnicate"
    run "$wactor" exec
    expect_status 4
    expect_one_error_line "missing FILE.wasm"
    run "$wactor" exec --bogus "$hello"
    expect_status 4
    expect_one_error_line "--bogus"
    run "$wactor" inspect
    expect_status 4
    expect_one_error_line "inspect"
    ;;
exec_hello)
    run "$wactor" exec "$hello" a "b c"
    expect_status 0
    printf 'Hello from WebAssembly!\nargv[0] = %s\nargv[1] = a\nargv[2] = b c\n' "$hello" \
        >"$tmp/expected"
    cmp -s "$out" "$tmp/expected" || fail "unexpected output"
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    ;;
exec_exit)
    run "$wactor" exec "$guests/exit3.wasm"
    expect_status 3
    [ ! -s "$out" ] && [ ! -s "$err" ] || fail "exit(3) should print nothing"
    ;;
exec_tailcall)
    # clang -mtail-call: recursions millions deep that fit only if tail calls reuse the frame.
    run "$wactor" exec "$guests/tailcall.wasm"
    expect_status 0
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    grep -qx 'even(3000001) = 0' "$out" || fail "direct tail calls (return_call)"
    grep -qx 'interpreted 2000000 iterations: 6000000' "$out" ||
        fail "indirect tail calls (return_call_indirect)"
    ;;
exec_trap)
    run "$wactor" exec "$guests/trap.wasm"
    expect_status 134
    [ "$(cat "$out")" = "about to trap" ] || fail "output before the trap is lost"
    expect_one_error_line "trap in $guests/trap.wasm: "
    ;;
exec_missing)
    run "$wactor" exec "$tmp/no-such.wasm"
    expect_status 4
    expect_one_error_line "$tmp/no-such.wasm"
    grep -q 'No such file' "$err" || fail "the reason is missing"
    ;;
exec_unknown_import)
    # A reactor that imports test.entered: exec cannot link it.
    run "$wactor" exec "$guests/hooks.wasm"
    expect_status 4
    expect_one_error_line "unknown import test.entered"
    ;;
exec_wasi)
    printf 'from stdin\n' | "$wactor" exec --env GREETING=hi --env=EMPTY= \
        "$guests/wasi_probe.wasm" x >"$out" 2>"$err"
    status=$?
    expect_status 0
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    ! grep -q FAILED "$out" || fail "a WASI check failed"
    grep -qx 'argc: 2' "$out" || fail "wrong argc"
    grep -qx 'GREETING=hi' "$out" || fail "--env not passed"
    [ "$(grep -c ': ok$' "$out")" -eq 13 ] || fail "expected 13 passing checks"
    ;;
inspect_garbage)
    printf 'this is not a wasm module\n' >"$tmp/garbage.wasm"
    run "$wactor" inspect "$tmp/garbage.wasm"
    expect_status 4
    expect_one_error_line "$tmp/garbage.wasm: "
    grep -q 'byte offset' "$err" || fail "no byte offset in the error"
    # A truncated module fails the same way.
    head -c 20 "$hello" >"$tmp/truncated.wasm"
    run "$wactor" inspect "$tmp/truncated.wasm"
    expect_status 4
    expect_one_error_line "$tmp/truncated.wasm: "
    ;;
inspect_hello)
    run "$wactor" inspect "$hello"
    expect_status 0
    grep -q '^  func   wasi_snapshot_preview1.fd_write  (i32, i32, i32, i32) -> i32$' "$out" ||
        fail "fd_write import not listed"
    grep -q '^  func   _start  () -> ()$' "$out" || fail "_start export not listed"
    grep -q '^  memory memory  min [0-9]* pages, no max$' "$out" || fail "memory not listed"
    grep -qx 'memories: 1' "$out" || fail "memory count missing"
    grep -q '^  0  funcref, min [0-9]*' "$out" || fail "defined table not listed"
    grep -qx 'component: no' "$out" || fail "a command is not a component"
    grep -q 'no export wactor_on_message' "$out" || fail "the reason is missing"
    ;;
inspect_features)
    # GUEST_DIR/features holds tests/wasm/features (see tests/CMakeLists.txt).
    run "$wactor" inspect "$guests/features/post_mvp.wasm"
    expect_status 0
    grep -qx 'features: mutable-globals sign-extension multi-value bulk-memory reference-types' \
        "$out" || fail "features not listed"
    run "$wactor" inspect "$guests/features/mvp.wasm"
    expect_status 0
    grep -qx 'features: none beyond WebAssembly 1.0' "$out" || fail "an MVP module lists features"
    ;;
inspect_unsupported)
    # A proposal wactor does not implement: one line that names it and where, not "malformed".
    run "$wactor" inspect "$guests/features/shared_memory.wasm"
    expect_status 4
    expect_one_error_line "uses shared memory (threads proposal), not supported (memory section"
    ! grep -q malformed "$err" || fail "called malformed"
    run "$wactor" exec "$guests/features/try.wasm"
    expect_one_error_line "function 1: uses exception-handling instructions (exception handling proposal), not supported"
    ;;
inspect_reactor)
    run "$wactor" inspect "$guests/hooks.wasm"
    expect_status 0
    grep -q '^  func   test.entered  () -> ()$' "$out" || fail "import not listed"
    grep -q 'import test.entered: components import only from wactor' "$out" ||
        fail "foreign import not reported"
    ;;
inspect_component)
    run "$wactor" inspect "$guests/component.wasm"
    expect_status 0
    grep -q '^  func   wactor.log  (i32, i32, i32) -> i32$' "$out" || fail "import not listed"
    grep -qx 'component: yes' "$out" || fail "not recognised as a component"
    ;;
call_pingpong)
    run "$wactor" call "$pingpong" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    [ ! -s "$err" ] || fail "unexpected output on stderr (the default log level is warn)"
    # The log goes to stderr, never stdout.
    run "$wactor" call --log-level info "$pingpong" ping 2
    expect_status 0
    expect_stdout 'ping: 2 pongs'
    grep -qx 'wactor: info ping: pong 2' "$err" || fail "ping's log line is missing"
    ;;
call_fanout)
    run "$wactor" call "$fanout" front hello
    expect_status 0
    expect_stdout 'a:HELLO|b:olleh'
    # Flags in the --flag=value form, and the empty payload.
    run "$wactor" call --timeout=5s --log-level=error "$fanout" front
    expect_status 0
    expect_stdout 'a:|b:'
    ;;
call_error)
    run "$wactor" call "$pingpong" ping abc
    expect_status 1
    expect_stdout 'ping: the payload must be a count from 1 to 100000'
    expect_one_error_line "call ping: answered ERROR: ping: the payload must be a count"
    ;;
call_stdin)
    printf '4' | "$wactor" call "$pingpong" ping - >"$out" 2>"$err"
    status=$?
    expect_status 0
    expect_stdout 'ping: 4 pongs'
    ;;
call_missing)
    run "$wactor" call "$pingpong" nope hi
    expect_status 3
    expect_no_stdout
    expect_one_error_line "no component named nope in $pingpong"
    run "$wactor" send "$pingpong" 'not a name!'
    expect_status 3
    expect_one_error_line "no component named not a name!"
    ;;
call_usage)
    run "$wactor" call "$pingpong"
    expect_status 4
    expect_one_error_line "expected MANIFEST COMPONENT [PAYLOAD]"
    run "$wactor" call "$pingpong" ping 3 extra
    expect_status 4
    expect_one_error_line "PAYLOAD as one argument"
    run "$wactor" call --timeout soon "$pingpong" ping
    expect_status 4
    expect_one_error_line "--timeout needs a duration"
    run "$wactor" call --timeout
    expect_status 4
    expect_one_error_line "--timeout needs a duration"
    run "$wactor" call --log-level loud "$pingpong" ping
    expect_status 4
    expect_one_error_line "--log-level needs one of"
    run "$wactor" call --bogus "$pingpong" ping
    expect_status 4
    expect_one_error_line "unknown flag --bogus"
    run "$wactor" call "$tmp/no-such.yaml" ping
    expect_status 4
    expect_one_error_line "$tmp/no-such.yaml"
    # A payload over runtime.max_message.
    printf 'runtime:\n  max_message: 4\n' >"$tmp/small.yaml"
    sed -n '/^components:/,$p' "$pingpong" | sed 's|wasm: |wasm: '"$examples"'/pingpong/|' \
        >>"$tmp/small.yaml"
    run "$wactor" call "$tmp/small.yaml" ping 12345
    expect_status 4
    expect_no_stdout
    expect_one_error_line "runtime.max_message"
    ;;
call_timeout)
    silent_manifest
    run "$wactor" call --timeout 200ms "$tmp/wactor.yaml" silent hello
    expect_status 2
    expect_no_stdout
    expect_one_error_line "call silent: no answer within 200ms (TIMEOUT)"
    # The manifest's request_timeout is the default.
    printf 'runtime:\n  request_timeout: 150ms\n' >"$tmp/timeout.yaml"
    cat "$tmp/wactor.yaml" >>"$tmp/timeout.yaml"
    run "$wactor" call "$tmp/timeout.yaml" silent hello
    expect_status 2
    expect_one_error_line "no answer within 150ms"
    ;;
call_output)
    # A component's stdout and stderr go to the log on stderr, tagged with its name, at the
    # default level too; stdout carries only the answer.
    silent_manifest 'capabilities:' '  wasi: [stdout, stderr]'
    run "$wactor" call "$tmp/wactor.yaml" silent print
    expect_status 0
    expect_stdout 'printed'
    grep -qx 'wactor: info silent: to stdout' "$err" || fail "the guest's stdout line is missing"
    grep -qx 'wactor: warn silent: to stderr' "$err" || fail "the guest's stderr line is missing"
    run "$wactor" call --log-level error "$tmp/wactor.yaml" silent print
    expect_status 0
    grep -q 'silent: to stdout' "$err" || fail "the guest's stdout line is missing at error level"
    ;;
call_timeout_busy)
    # A handler still running when the call times out does not hold the exit: its time limit
    # (10 minutes here) is not waited for; ctest's timeout catches a regression.
    silent_manifest 'limits:' '  time: 10m'
    run "$wactor" call --timeout 300ms "$tmp/wactor.yaml" silent spin
    expect_status 2
    expect_no_stdout
    grep -q 'no answer within 300ms (TIMEOUT)' "$err" || fail "no TIMEOUT message"
    run "$wactor" send --timeout 300ms "$tmp/wactor.yaml" silent spin
    expect_status 2
    expect_no_stdout
    ;;
call_start_failure)
    # wactor_init fails: a crash, restarted with back-off until the restart intensity is spent;
    # the request then ends FAILED, with the start-up failure as the reason.
    silent_manifest 'config: fail'
    run "$wactor" call "$tmp/wactor.yaml" silent hello
    expect_status 3
    expect_no_stdout
    grep -q '^wactor: error silent: failed to start: wactor_init returned 1$' "$err" ||
        fail "the start-up failure is not logged"
    [ "$(grep -c '^wactor: call silent: ' "$err")" -eq 1 ] || fail "no single line about the call"
    grep '^wactor: call silent: ' "$err" | grep -q 'wactor_init returned 1' ||
        fail "the reason is missing"
    ;;
groups_start)
    # A group's members start in its order, where the first of them appears; an unknown
    # member is the manifest's error, with its place.
    cp "$guests/group_agent.wasm" "$tmp/"
    printf 'runtime: {control: null}\ngroups:\n  g: {strategy: rest_for_one, members: [b, a]}\ncomponents:\n  recorder: {wasm: group_agent.wasm, config: recorder}\n  a: {wasm: group_agent.wasm, config: m, capabilities: {send: [recorder]}}\n  b: {wasm: group_agent.wasm, config: m, capabilities: {send: [recorder]}}\n' >"$tmp/wactor.yaml"
    run "$wactor" call "$tmp/wactor.yaml" recorder log
    expect_status 0
    expect_stdout "$(printf 'init b\ninit a')
"
    printf 'groups:\n  g: {members: [a, x]}\ncomponents:\n  a: {wasm: group_agent.wasm}\n' >"$tmp/wactor.yaml"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    expect_one_error_line "$tmp/wactor.yaml:2:20: groups.g.members: unknown member \"x\""
    ;;
manifest_broken)
    printf 'components:\n  echo:\n    wasm: echo.wasm\n    colour: blue\n' >"$tmp/wactor.yaml"
    for cmd in call send; do
        run "$wactor" "$cmd" "$tmp/wactor.yaml" echo hi
        expect_status 4
        expect_no_stdout
        expect_one_error_line "$tmp/wactor.yaml:4:5: "
    done
    for cmd in run validate; do
        run "$wactor" "$cmd" "$tmp/wactor.yaml"
        expect_status 4
        expect_one_error_line "$tmp/wactor.yaml:4:5: "
    done
    # Not YAML at all.
    printf 'components: [\n' >"$tmp/bad.yaml"
    run "$wactor" validate "$tmp/bad.yaml"
    expect_status 4
    grep -Eq "^wactor: $tmp/bad.yaml:[0-9]+:[0-9]+: " "$err" || fail "no FILE:LINE:COLUMN"
    ;;
validate_examples)
    for manifest in "$pingpong" "$fanout"; do
        run "$wactor" validate "$manifest"
        expect_status 0
        grep -q "^$manifest: valid: " "$out" || fail "no verdict for $manifest"
        [ ! -s "$err" ] || fail "unexpected output on stderr"
    done
    ;;
validate_not_component)
    printf 'components:\n  hello:\n    wasm: %s\n' "$hello" >"$tmp/wactor.yaml"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    expect_no_stdout
    expect_one_error_line "$tmp/wactor.yaml:2:3: component hello: $hello: no export wactor_on_message"
    # run, call and send refuse it too, before anything runs.
    run "$wactor" run "$tmp/wactor.yaml"
    expect_status 4
    expect_one_error_line "component hello: $hello: no export wactor_on_message"
    run "$wactor" call "$tmp/wactor.yaml" hello
    expect_status 4
    expect_one_error_line "component hello: $hello: "
    ;;
validate_problems)
    # Every problem, one line each: a missing file, a foreign import, a memory limit too small.
    {
        printf 'components:\n'
        printf '  gone:\n    wasm: %s\n' "$tmp/no-such.wasm"
        printf '  hooks:\n    wasm: %s\n' "$guests/hooks.wasm"
        printf '  small:\n    wasm: %s\n    limits: { memory: 64KiB }\n' "$guests/silent.wasm"
        printf '  garbage:\n    wasm: %s\n' "$tmp/garbage.wasm"
    } >"$tmp/wactor.yaml"
    printf 'not wasm' >"$tmp/garbage.wasm"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    expect_no_stdout
    grep -v '^wactor: ' "$err" && fail "a line does not start with 'wactor: '"
    grep -q "^wactor: $tmp/wactor.yaml:2:3: component gone: $tmp/no-such.wasm: cannot read: " \
        "$err" || fail "the missing file is not reported"
    grep -q "^wactor: $tmp/wactor.yaml:4:3: component hooks: .*import test.entered" "$err" ||
        fail "the foreign import is not reported"
    grep -q "^wactor: $tmp/wactor.yaml:6:3: component small: .*over limits.memory" "$err" ||
        fail "the memory limit is not reported"
    grep -q "^wactor: $tmp/wactor.yaml:9:3: component garbage: .*byte offset" "$err" ||
        fail "the malformed module is not reported"
    # Problems in the manifest's own keys and values: every one too, each where it is.
    {
        printf 'runtime:\n  colour: blue\n  workers: lots\n'
        printf 'components:\n'
        printf '  a:\n    wasm: a.wasm\n    shape: round\n    limits: { memory: huge }\n'
        printf '  b:\n    config: hello\n'
    } >"$tmp/keys.yaml"
    run "$wactor" validate "$tmp/keys.yaml"
    expect_status 4
    expect_no_stdout
    [ "$(wc -l <"$err")" -eq 5 ] || fail "expected 5 problems"
    grep -q "^wactor: $tmp/keys.yaml:2:3: unknown key \"colour\" in runtime" "$err" ||
        fail "the unknown runtime key is not reported"
    grep -q "^wactor: $tmp/keys.yaml:3:12: runtime.workers: expected a whole number" "$err" ||
        fail "the bad number is not reported"
    grep -q "^wactor: $tmp/keys.yaml:7:5: unknown key \"shape\" in components.a" "$err" ||
        fail "the unknown component key is not reported"
    grep -q "^wactor: $tmp/keys.yaml:8:23: components.a.limits.memory: expected a size" "$err" ||
        fail "the bad size is not reported"
    grep -q "^wactor: $tmp/keys.yaml:9:3: components.b: missing key \"wasm\"" "$err" ||
        fail "the missing wasm is not reported"
    ;;
send_ok)
    run "$wactor" send "$pingpong" ping 3
    expect_status 0
    expect_no_stdout
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    # ping's rally runs to its end before the system stops: its last log line shows it.
    run "$wactor" send --log-level info --timeout 10s "$pingpong" ping 3
    expect_status 0
    grep -qx 'wactor: info ping: ping: 3 pongs' "$err" || fail "the rally did not finish"
    # A request left unanswered keeps the system busy until its timeout: ping's pong is silent.
    {
        printf 'runtime:\n  request_timeout: 10s\ncomponents:\n'
        printf '  ping:\n    wasm: %s\n' "$examples/pingpong/ping.wasm"
        printf '    capabilities: { request: [pong] }\n'
        printf '  pong:\n    wasm: %s\n' "$guests/silent.wasm"
    } >"$tmp/wactor.yaml"
    run "$wactor" send --timeout 300ms "$tmp/wactor.yaml" ping 1
    expect_status 2
    expect_one_error_line "send ping: the system was not quiescent within 300ms"
    ;;
send_missing)
    run "$wactor" send "$pingpong" nope
    expect_status 3
    expect_no_stdout
    expect_one_error_line "no component named nope"
    ;;
run_sigterm)
    silent_manifest
    printf '  ping:\n    wasm: %s\n' "$examples/pingpong/ping.wasm" >>"$tmp/wactor.yaml"
    "$wactor" run "$tmp/wactor.yaml" </dev/null >"$out" 2>"$err" &
    pid=$!
    wait_for_line "$err" '^wactor: running 2 components$'
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    expect_status 0
    expect_no_stdout
    [ "$(grep -c 'running' "$err")" -eq 1 ] || fail "'running' printed more than once"
    grep -qx 'wactor: info silent: silent: shutting down' "$err" ||
        fail "wactor_on_shutdown did not run"
    # SIGINT too, with the log quieter. The old log goes first: the new process truncates it
    # only once it runs, and a 'running' line left from the first run would let the signal
    # arrive before the new process has blocked it.
    : >"$err"
    "$wactor" run --log-level warn "$tmp/wactor.yaml" </dev/null >"$out" 2>"$err" &
    pid=$!
    wait_for_line "$err" '^wactor: running 2 components$'
    kill -INT "$pid"
    wait "$pid"
    status=$?
    expect_status 0
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected only the 'running' line"
    ;;
run_stops_for_good)
    # A component whose wactor_init fails: `run` says that it backs off, then that it has
    # stopped for good, at warn, while the other component goes on.
    {
        printf 'supervisor:\n  max_restarts: 2\n  within: 10m\n'
        printf 'components:\n  silent:\n    wasm: %s\n    config: fail\n' "$guests/silent.wasm"
        printf '  ping:\n    wasm: %s\n' "$examples/pingpong/ping.wasm"
    } >"$tmp/wactor.yaml"
    "$wactor" run --log-level warn "$tmp/wactor.yaml" </dev/null >"$out" 2>"$err" &
    pid=$!
    wait_for_line "$err" '^wactor: warn silent: stopped for good: '
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    expect_status 0
    grep -qx 'wactor: warn silent: backing off 1 ms after failed to start' "$err" ||
        fail "the first back-off is not said"
    grep -qx 'wactor: warn silent: backing off 2 ms after failed to start' "$err" ||
        fail "the second back-off is not said"
    grep -qx 'wactor: warn silent: stopped for good: more than 2 restarts within 600000 ms' "$err" ||
        fail "the stop for good is not said"
    ;;
tier)
    # A component's tier (docs/AOT.md): aot needs an artifact that loads, auto takes one when
    # it loads, interp never; run --compile fills runtime.cache. The answers are the same.
    cp "$examples/pingpong/ping.wasm" "$examples/pingpong/pong.wasm" "$tmp/"
    app=$tmp/wactor.yaml
    # pingpong's manifest with $1 as ping's tier and the other lines given after it.
    tier_manifest() {
        t=$1
        shift
        {
            printf 'components:\n  ping:\n    wasm: ping.wasm\n    tier: %s\n' "$t"
            printf '    capabilities: { request: [pong] }\n  pong:\n    wasm: pong.wasm\n'
            for line in "$@"; do
                printf '%s\n' "$line"
            done
        } >"$app"
    }
    tier_manifest fast
    run "$wactor" validate "$app"
    expect_status 4
    expect_one_error_line "$app:4:11: components.ping.tier: expected interp, aot or auto, got \"fast\""
    # aot without an artifact: ping does not start, and says why.
    tier_manifest aot
    run "$wactor" call "$app" ping 3
    expect_status 4
    grep -qF "no compiled module (wactor compile $tmp/ping.wasm" "$err" ||
        fail "tier aot without an artifact: no reason given"
    # --tier overrides the manifest's for every component: aot fails, interp runs.
    run "$wactor" call --tier aot "$app" ping 3
    expect_status 4
    grep -qF "no compiled module" "$err" || fail "call --tier aot: no reason given"
    run "$wactor" call --tier interp "$app" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    run "$wactor" send --tier fast "$app" ping 3
    expect_status 4
    expect_one_error_line "send: --tier needs interp, aot or auto, not fast"
    # auto and interp without one: interpreted, the same answer.
    for t in auto interp; do
        tier_manifest $t
        run "$wactor" call "$app" ping 3
        expect_status 0
        expect_stdout 'ping: 3 pongs'
    done
    # run --compile needs runtime.cache, and says so before starting anything.
    tier_manifest aot
    run "$wactor" run --compile "$app"
    expect_status 4
    expect_one_error_line "has no runtime.cache"
    # With it: both modules compiled into the cache, named by their SHA-256.
    tier_manifest aot 'runtime: { cache: cache/aot }'
    log=$tmp/run.log
    start_run --compile
    [ "$(ls "$tmp/cache/aot" | grep -c '^[0-9a-f]\{64\}\.so$')" -eq 2 ] ||
        fail "run --compile did not put two artifacts in runtime.cache: $(ls "$tmp/cache/aot")"
    grep -q "^wactor: compiling $tmp/ping.wasm" "$log" || fail "run --compile did not say so"
    run "$wactor" call --attach "$app" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    run "$wactor" status "$app"
    expect_status 0
    head -n 1 "$out" | grep -q '  TIER  HEALTH$' || fail "status has no TIER column"
    grep -q '^ping  *running  .*  aot  *-$' "$out" || fail "status: ping is not aot"
    grep -q '^pong  *running  .*  aot  *-$' "$out" || fail "status: pong (auto) is not aot"
    run "$wactor" status --json "$app"
    expect_status 0
    grep -q '"name":"ping",[^}]*}[^}]*,"tier":"aot"}' "$out" || fail "status --json: no tier"
    # A reload that changes the tier upgrades the component into it.
    tier_manifest interp 'runtime: { cache: cache/aot }'
    run "$wactor" reload "$app"
    expect_status 0
    grep -q '^upgraded ping (tier)$' "$out" || fail "reload: ping's tier change not applied"
    run "$wactor" status "$app"
    grep -q '^ping  *running  .*  interp  *-$' "$out" || fail "status: ping is not interp after reload"
    run "$wactor" call --attach "$app" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    stop_run
    # A second run --compile finds them up to date and compiles nothing; run --tier interp
    # runs them interpreted all the same, and a reload keeps that.
    start_run --compile --tier interp
    ! grep -q '^wactor: compiling' "$log" || fail "run --compile compiled up-to-date modules"
    run "$wactor" status "$app"
    grep -q '^pong  *running  .*  interp  *-$' "$out" || fail "run --tier interp: pong is not interp"
    tier_manifest aot 'runtime: { cache: cache/aot }'
    run "$wactor" reload "$app"
    expect_status 0
    grep -q '^upgraded' "$out" && fail "reload under run --tier upgraded a component"
    run "$wactor" status "$app"
    grep -q '^ping  *running  .*  interp  *-$' "$out" || fail "reload undid run --tier interp"
    stop_run
    # The artifact beside the module (wactor compile) serves without a cache.
    rm -rf "$tmp/cache"
    run "$wactor" compile "$tmp/ping.wasm"
    expect_status 0
    tier_manifest aot
    run "$wactor" call "$app" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    # One that does not match the module is refused: aot fails with the reason; auto
    # interprets and says why at info.
    cp "$tmp/ping.wasm.so" "$tmp/keep.so"
    run "$wactor" compile "$tmp/pong.wasm" -o "$tmp/ping.wasm.so"
    expect_status 0
    run "$wactor" call "$app" ping 3
    expect_status 4
    grep -q 'component ping' "$err" || fail "tier aot with a stale artifact: no reason given"
    tier_manifest auto
    run "$wactor" call --log-level info "$app" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    grep -q '^wactor: info ping: compiled code not used: ' "$err" ||
        fail "tier auto with a stale artifact: no info line saying why"
    ;;
run_bad_module)
    silent_manifest
    sed -i "s|wasm: .*|wasm: $tmp/no-such.wasm|" "$tmp/wactor.yaml"
    run "$wactor" run "$tmp/wactor.yaml"
    expect_status 4
    expect_one_error_line "$tmp/wactor.yaml:2:3: component silent: $tmp/no-such.wasm: cannot read: "
    run "$wactor" run
    expect_status 4
    expect_one_error_line "expected one MANIFEST"
    ;;
same_wording)
    # One wording per problem: validate, call and inspect say the same words for a module spawn
    # refuses (here an initial memory over limits.memory), from the one ABI check.
    silent_manifest
    printf '    limits: { memory: 64KiB }\n' >>"$tmp/wactor.yaml"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    expect_one_error_line "$tmp/wactor.yaml:2:3: component silent: $guests/silent.wasm: initial memory of "
    validate_line=$(cat "$err")
    run "$wactor" call "$tmp/wactor.yaml" silent hi
    expect_status 4
    [ "$(cat "$err")" = "$validate_line" ] || fail "call words it otherwise than validate: $validate_line"
    # A module that can never start (a data segment beyond its memory) is not valid.
    printf 'components:\n  misfit:\n    wasm: %s\n' "$guests/misfit.wasm" >"$tmp/misfit.yaml"
    run "$wactor" validate "$tmp/misfit.yaml"
    expect_status 4
    expect_one_error_line "component misfit: $guests/misfit.wasm: data segment 0 does not fit memory 0"
    validate_line=$(cat "$err")
    run "$wactor" call "$tmp/misfit.yaml" misfit hi
    expect_status 4
    [ "$(cat "$err")" = "$validate_line" ] || fail "call words it otherwise than validate"
    # inspect lists a non-component's problems as validate does (the default limits).
    run "$wactor" inspect "$guests/hooks.wasm"
    expect_status 0
    grep -qx 'component: no' "$out" || fail "hooks.wasm is not a component"
    problem=$(grep '^  - import test.entered' "$out") || fail "inspect does not list the import"
    printf 'components:\n  hooks:\n    wasm: %s\n' "$guests/hooks.wasm" >"$tmp/hooks.yaml"
    run "$wactor" validate "$tmp/hooks.yaml"
    grep -qF -- "${problem#  - }" "$err" || fail "validate words it otherwise than inspect"
    ;;
module_files)
    # A module path must name a regular file of at most 256 MiB: /dev/zero, a FIFO, a directory
    # and a sparse file over the limit are refused at once, with one line, by every command that
    # reads modules. `timeout` turns a reader that blocks or reads on into a failure.
    mkfifo "$tmp/fifo.wasm" || fail "mkfifo"
    mkdir "$tmp/dir.wasm" || fail "mkdir"
    truncate -s 300M "$tmp/big.wasm" || fail "truncate" # sparse: no disk used
    for file in /dev/zero "$tmp/fifo.wasm" "$tmp/dir.wasm" "$tmp/big.wasm"; do
        case $file in
        /dev/zero) why='is a character device, not a regular file' ;;
        *fifo.wasm) why='is a FIFO, not a regular file' ;;
        *dir.wasm) why='is a directory, not a regular file' ;;
        *) why='is 300 MiB, over the 256 MiB limit for a module (runtime.max_module)' ;;
        esac
        printf 'components:\n  m:\n    wasm: %s\n' "$file" >"$tmp/wactor.yaml"
        run timeout 10 "$wactor" validate "$tmp/wactor.yaml"
        expect_status 4
        expect_no_stdout
        expect_one_error_line "wactor: $tmp/wactor.yaml:2:3: component m: $file: $why"
        run timeout 10 "$wactor" call "$tmp/wactor.yaml" m hi
        expect_status 4
        expect_no_stdout
        expect_one_error_line "wactor: $tmp/wactor.yaml:2:3: component m: $file: $why"
        why=${why% (runtime.max_module)}
        [ "$file" != "$tmp/big.wasm" ] || why="$why (--max-module)" # no manifest: a flag
        run timeout 10 "$wactor" inspect "$file"
        expect_status 4
        expect_no_stdout
        expect_one_error_line "wactor: $file: $why"
        run timeout 10 "$wactor" exec "$file"
        expect_status 4
        expect_no_stdout
        expect_one_error_line "wactor: $file: $why"
    done
    ;;
module_max_module)
    # runtime.max_module lowers the limit below a real module's size: refused before it is read.
    size=$(wc -c <"$guests/silent.wasm")
    [ "$size" -gt 1024 ] || fail "silent.wasm is too small for this test"
    silent_manifest
    { printf 'runtime:\n  max_module: 1KiB\n'; cat "$tmp/wactor.yaml"; } >"$tmp/small.yaml"
    why="component silent: $guests/silent.wasm: is $size bytes, over the 1 KiB limit for a module (runtime.max_module)"
    run timeout 10 "$wactor" validate "$tmp/small.yaml"
    expect_status 4
    expect_one_error_line "$why"
    run timeout 10 "$wactor" call "$tmp/small.yaml" silent print
    expect_status 4
    expect_no_stdout
    expect_one_error_line "$why"
    # At exactly its size it is read.
    { printf 'runtime:\n  max_module: %s\n' "$size"; cat "$tmp/wactor.yaml"; } >"$tmp/exact.yaml"
    run timeout 10 "$wactor" call "$tmp/exact.yaml" silent print
    expect_status 0
    expect_stdout 'printed'
    # Its bounds.
    { printf 'runtime:\n  max_module: 1023\n'; cat "$tmp/wactor.yaml"; } >"$tmp/tiny.yaml"
    run "$wactor" validate "$tmp/tiny.yaml"
    expect_status 4
    expect_one_error_line "$tmp/tiny.yaml:2:15: runtime.max_module: expected a size from 1KiB to 4GiB"
    # exec and inspect take it as a flag.
    size=$(wc -c <"$hello")
    for cmd in exec inspect; do
        run "$wactor" "$cmd" --max-module 1KiB "$hello"
        expect_status 4
        expect_one_error_line "wactor: $hello: is $size bytes, over the 1 KiB limit for a module (--max-module)"
        run "$wactor" "$cmd" --max-module="$size" "$hello"
        expect_status 0
        run "$wactor" "$cmd" --max-module 5GiB "$hello"
        expect_status 4
        expect_one_error_line "$cmd: --max-module needs a size from 1KiB to 4GiB, like 512MiB, not 5GiB"
    done
    ;;
storage_audit_paths)
    # runtime.storage and runtime.audit are resolved against the manifest's folder at load
    # (absolute, `..` resolved lexically) and checked without creating anything: a path that
    # climbs above /, a storage path naming a file, an audit file whose folder does not exist.
    mkdir "$tmp/m" && touch "$tmp/m/file" || fail "setup"
    up=../../../../../../../../../../../../../../../../../../../../../../../../../..
    {
        printf 'runtime:\n  storage: %s%s/m/climbed\n' "$up" "$tmp"
        printf '  audit: nowhere/audit.jsonl\n'
        printf 'components:\n  silent:\n    wasm: %s\n' "$guests/silent.wasm"
    } >"$tmp/m/wactor.yaml"
    run "$wactor" validate "$tmp/m/wactor.yaml"
    expect_status 4
    expect_no_stdout
    [ "$(wc -l <"$err")" -eq 2 ] || fail "expected 2 problems"
    grep -q "^wactor: $tmp/m/wactor.yaml:2:12: runtime.storage: \"\.\./\.\./.*\" climbs above / from $tmp/m$" \
        "$err" || fail "the storage path climbing above / is not reported"
    grep -qx "wactor: $tmp/m/wactor.yaml:3:10: runtime.audit: the folder $tmp/m/nowhere does not exist (the audit file is created, its folder is not)" \
        "$err" || fail "the audit file's missing folder is not reported"
    for cmd in call send; do
        run "$wactor" "$cmd" "$tmp/m/wactor.yaml" silent print
        expect_status 4
        expect_no_stdout
        expect_one_error_line "$tmp/m/wactor.yaml:2:12: runtime.storage: "
    done
    [ "$(ls "$tmp/m")" = "$(printf 'file\nwactor.yaml')" ] || fail "something was created"
    # A storage path naming a file; an audit path naming a folder.
    printf 'runtime:\n  storage: file\n  audit: ../m\ncomponents:\n  silent:\n    wasm: %s\n' \
        "$guests/silent.wasm" >"$tmp/m/wactor.yaml"
    run "$wactor" validate "$tmp/m/wactor.yaml"
    expect_status 4
    grep -qx "wactor: $tmp/m/wactor.yaml:2:12: runtime.storage: $tmp/m/file is a file, not a folder" \
        "$err" || fail "the storage file is not reported"
    grep -qx "wactor: $tmp/m/wactor.yaml:3:10: runtime.audit: $tmp/m is a folder, not a file" \
        "$err" || fail "the audit folder is not reported"
    # Good relative paths, from another folder and a relative manifest path: the storage folder
    # is created and the audit file written where the manifest's folder says.
    printf 'runtime:\n  storage: ./x/../data\n  audit: ../m/audit.jsonl\ncomponents:\n  silent:\n    wasm: %s\n' \
        "$guests/silent.wasm" >"$tmp/m/wactor.yaml"
    (cd "$tmp" && "$wactor" call m/wactor.yaml silent print) </dev/null >"$out" 2>"$err"
    status=$?
    expect_status 0
    expect_stdout 'printed'
    [ -d "$tmp/m/data" ] || fail "no storage folder $tmp/m/data"
    [ ! -e "$tmp/m/x" ] || fail "$tmp/m/x was created"
    grep -q '"action":"spawn"' "$tmp/m/audit.jsonl" || fail "no audit line in $tmp/m/audit.jsonl"
    # A manifest reached through a symbolic link to its folder: `..` starts from the folder the
    # kernel resolves, as it does for the module paths (the store is not silently elsewhere).
    mkdir -p "$tmp/real/app" && ln -s "$tmp/real/app" "$tmp/link"
    printf 'runtime:
  storage: ../data
components:
  silent:
    wasm: %s
' \
        "$guests/silent.wasm" >"$tmp/real/app/wactor.yaml"
    run "$wactor" call "$tmp/link/wactor.yaml" silent print
    expect_status 0
    [ -d "$tmp/real/data" ] || fail "the storage is not beside the real folder"
    [ ! -e "$tmp/data" ] || fail "the storage went beside the link"
    ;;
lattice_manifest)
    # A lattice section with no components is a valid manifest (a pure client).
    printf 'lattice:\n  url: nats://127.0.0.1:1\n  name: shop\n  heartbeat: 250ms\n' >"$tmp/client.yaml"
    run "$wactor" validate "$tmp/client.yaml"
    expect_status 0
    grep -q 'valid: 0 components' "$out" || fail "validate does not accept a pure client"
    # Unknown keys and bad values name file:line:column; validate lists every one.
    printf 'lattice:\n  url: nats://127.0.0.1:1\n  nmae: shop\n  heartbeat: 5ms\n' >"$tmp/bad.yaml"
    run "$wactor" validate "$tmp/bad.yaml"
    expect_status 4
    grep -q "bad.yaml:3:3: unknown key \"nmae\" in lattice" "$err" || fail "no unknown-key line"
    grep -q "bad.yaml:4:14: lattice.heartbeat: expected a duration from 10ms to 60m" "$err" ||
        fail "no heartbeat line"
    # No components and no lattice is still an error.
    printf 'components: {}\n' >"$tmp/empty.yaml"
    run "$wactor" call "$tmp/empty.yaml" echo
    expect_status 4
    expect_one_error_line "empty.yaml:1:13: components:"
    ;;
lattice_hosts_usage)
    # hosts on a manifest without a lattice section: a usage error (exit 4, one line).
    run "$wactor" hosts "$pingpong"
    expect_status 4
    expect_no_stdout
    expect_one_error_line "has no lattice section"
    run "$wactor" hosts
    expect_status 4
    expect_one_error_line "hosts: expected one MANIFEST"
    run "$wactor" hosts --bogus "$pingpong"
    expect_status 4
    run "$wactor" hosts --help
    expect_status 0
    grep -q '^usage: wactor hosts' "$out" || fail "hosts --help gives no usage"
    ;;
lattice_unreachable)
    # A lattice whose NATS server does not answer (a closed loopback port): call, send and
    # hosts that must reach it end with exit 3 and one line; the library's message says
    # "cannot join lattice NAME at URL: why" (without src/lattice, "lattice support not
    # built" is the why).
    printf 'lattice:\n  url: nats://127.0.0.1:1\n  name: shop\n' >"$tmp/client.yaml"
    for cmd in call send; do
        run "$wactor" "$cmd" --timeout 2s "$tmp/client.yaml" echo hi
        expect_status 3
        expect_no_stdout
        expect_one_error_line "cannot join lattice shop at nats://127.0.0.1:1: "
    done
    run "$wactor" hosts --timeout 2s "$tmp/client.yaml"
    expect_status 3
    expect_no_stdout
    expect_one_error_line "cannot join lattice shop at nats://127.0.0.1:1: "
    run "$wactor" hosts --json --timeout 2s "$tmp/client.yaml"
    expect_status 3
    expect_no_stdout
    # Local work never waits for NATS: a component of the manifest is called as usual.
    { printf 'lattice: {url: "nats://127.0.0.1:1", name: shop}\n'
      sed -e 's|wasm: |wasm: '"$examples"'/pingpong/|' "$pingpong"; } >"$tmp/local.yaml"
    run "$wactor" call --timeout 10s "$tmp/local.yaml" ping 2
    expect_status 0
    expect_stdout 'ping: 2 pongs'
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok $case_name"
