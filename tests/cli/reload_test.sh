#!/bin/sh
# Reload (`wactor reload`, SIGHUP to run, `run --watch`) through the real `wactor` binary:
# `run` in the background, its manifest rewritten, the difference applied. One case per ctest
# test. Usage: reload_test.sh CASE WACTOR GUEST_DIR
# GUEST_DIR holds reload_v1.wasm, reload_v2.wasm and reload_broken.wasm (tests/guest/
# reload_agent.c built three times: each answers "version" with its build and config).
# No sleep is a synchronisation: every wait polls for a condition, with a bound. The
# background run is stopped by the EXIT trap, also when the case fails.
set -u

case_name=$1
wactor=$2
guests=$3

tmp=$(mktemp -d) || exit 1
cleanup() {
    stop_background
    rm -rf "$tmp"
}
trap cleanup EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/lib.sh"
log=$tmp/run.log
app=$tmp/app.yaml

# answers COMPONENT PAYLOAD EXPECTED: true once a call answers exactly EXPECTED.
answers() {
    [ "$("$wactor" call --attach "$app" "$1" "$2" 2>/dev/null)" = "$3" ]
}

# component NAME: that component's object in `status --json`.
component() {
    "$wactor" status --json "$app" | grep -o "{\"name\":\"$1\"[^}]*}"
}

# field NAME KEY: a number of that component in `status --json` (the first: crashes_by has a
# "memory" too).
field() {
    component "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}

v1=$guests/reload_v1.wasm
v2=$guests/reload_v2.wasm
broken=$guests/reload_broken.wasm

case $case_name in
apply)
    # keep: never changes (its module is named by another path with the same bytes);
    # lim: its limits change; caps: its capabilities; mod: its module file's bytes;
    # gone: removed; new: added.
    cp "$v1" "$tmp/keep.wasm"
    cp "$v1" "$tmp/keep-copy.wasm"
    cp "$v1" "$tmp/mod.wasm"
    cat >"$app" <<YAML
components:
  keep:
    wasm: keep.wasm
    config: "k"
  lim:
    wasm: $v1
    limits: { mailbox: 100 }
  caps:
    wasm: $v1
  mod:
    wasm: mod.wasm
  gone:
    wasm: $v1
YAML
    start_run
    for i in 1 2 3; do
        run "$wactor" call "$app" keep "m$i"
        expect_status 0
        expect_stdout "v1:m$i"
    done
    run "$wactor" call "$app" caps send:keep
    expect_stdout "EDENIED"
    received=$(field keep received)
    memory=$(field keep memory)
    [ "$received" -eq 3 ] || fail "keep received $received messages, expected 3"
    [ "$(field lim mailbox)" -eq 100 ] || fail "lim's mailbox is not 100"
    cp "$v2" "$tmp/mod.wasm"
    cat >"$app" <<YAML
components:
  keep:
    wasm: keep-copy.wasm
    config: "k"
  lim:
    wasm: $v1
    limits: { mailbox: 200 }
  caps:
    wasm: $v1
    capabilities: { send: [keep] }
  mod:
    wasm: mod.wasm
  new:
    wasm: $v2
    config: "fresh"
YAML
    run "$wactor" reload "$app"
    expect_status 0
    for line in "stopped gone" "upgraded lim (limits)" "upgraded caps (capabilities)" \
        "upgraded mod (module)" "started new" \
        "1 started, 1 stopped, 3 upgraded, 1 unchanged, 0 failed"; do
        grep -qx "$line" "$out" || fail "no line '$line' in reload's output"
        grep -qx "wactor: reload: $line" "$log" || fail "no line '$line' in run's log"
    done
    grep -q keep "$out" && fail "reload names keep, which did not change"
    # The changed ones answer with their new behaviour.
    run "$wactor" call "$app" mod version
    expect_stdout "v2 config="
    run "$wactor" call "$app" caps send:keep
    expect_stdout "OK"
    [ "$(field lim mailbox)" -eq 200 ] || fail "lim's mailbox is not 200 after the reload"
    run "$wactor" call "$app" new version
    expect_stdout "v2 config=fresh"
    run "$wactor" call "$app" gone version
    expect_status 3
    # keep was not disturbed: caps' send reached it (one message more), nothing else.
    until_true [ "$(field keep received)" -eq 4 ]
    [ "$(field keep memory)" -eq "$memory" ] || fail "keep's memory changed"
    [ "$(field keep restarts)" -eq 0 ] || fail "keep restarted"
    component keep | grep -q '"state":"running"' || fail "keep is not running"
    run "$wactor" call "$app" keep version
    expect_stdout "v1 config=k"
    # The same manifest again: nothing to do.
    run "$wactor" reload "$app"
    expect_status 0
    expect_stdout "0 started, 0 stopped, 0 upgraded, 5 unchanged, 0 failed
"
    stop_run
    ;;
invalid)
    run "$wactor" reload "$app"
    expect_status 4 # no such file
    cat >"$app" <<YAML
components:
  a:
    wasm: $v1
    config: "one"
YAML
    run "$wactor" reload "$app"
    expect_status 3 # nothing runs it
    grep -q 'no system is running' "$err" || fail "no reason for exit 3"
    start_run
    cp "$app" "$tmp/good.yaml"
    # Two bad values: both listed, nothing changed.
    cat >"$app" <<YAML
components:
  a:
    wasm: $v1
    config: "two"
    limits: { memory: lots, mailbox: 0 }
  b:
    wasm: $v2
YAML
    run "$wactor" reload "$app"
    expect_status 4
    grep -q 'memory' "$err" || fail "the bad memory is not listed"
    grep -q 'mailbox' "$err" || fail "the bad mailbox is not listed"
    grep -q 'nothing changed' "$err" || fail "reload does not say nothing changed"
    # A module that is not one, and a limit the module does not fit: listed, nothing changed.
    printf 'not wasm' >"$tmp/bad.wasm"
    cat >"$app" <<YAML
components:
  a:
    wasm: $v1
    config: "two"
    limits: { memory: 64KiB }
  b:
    wasm: bad.wasm
YAML
    run "$wactor" reload "$app"
    expect_status 4
    grep -q 'component b: .*bad.wasm' "$err" || fail "the bad module is not listed"
    grep -q 'nothing changed' "$err" || fail "reload does not say nothing changed"
    grep -q 'wactor: reload: .*nothing changed' "$log" || fail "run's log does not say it"
    run "$wactor" call "$app" a version
    expect_status 0
    expect_stdout "v1 config=one"
    run "$wactor" call "$app" b version
    expect_status 3
    [ "$(field a restarts)" -eq 0 ] || fail "a restarted"
    # A runtime key cannot change live: said, and the rest applied.
    cat >"$app" <<YAML
runtime:
  workers: 3
components:
  a:
    wasm: $v1
    config: "three"
YAML
    run "$wactor" reload "$app"
    expect_status 0
    grep -q '^runtime.workers changed: not applied' "$out" || fail "runtime.workers not named"
    grep -qx 'upgraded a (config)' "$out" || fail "a's config not upgraded"
    run "$wactor" call "$app" a version
    expect_stdout "v1 config=three"
    # Nor can the lattice: a section added is said, not joined.
    cat >"$app" <<YAML
runtime:
  workers: 3
lattice:
  url: nats://127.0.0.1:1
components:
  a:
    wasm: $v1
    config: "three"
YAML
    run "$wactor" reload "$app"
    expect_status 0
    grep -q '^lattice changed: not applied' "$out" || fail "lattice not named"
    stop_run
    ;;
rollback)
    cp "$v1" "$tmp/mod.wasm"
    cat >"$app" <<YAML
components:
  mod:
    wasm: mod.wasm
  other:
    wasm: $v1
    config: "x"
YAML
    start_run
    # The new build of mod fails in wactor_init; other's change is still applied.
    cp "$broken" "$tmp/mod.wasm"
    sed -i 's/"x"/"y"/' "$app"
    run "$wactor" reload "$app"
    expect_status 1
    grep -q '^upgrade of mod (module) failed, the old version goes on: ' "$out" ||
        fail "the failed upgrade is not reported"
    grep -qx 'upgraded other (config)' "$out" || fail "other was not upgraded"
    grep -qx '0 started, 0 stopped, 1 upgraded, 0 unchanged, 1 failed' "$out" ||
        fail "no summary"
    grep -q 'rolled back' "$err" || fail "reload's stderr does not say rolled back"
    grep -q 'mod: upgrade rolled back' "$log" || fail "run's log does not say rolled back"
    run "$wactor" call "$app" mod version
    expect_status 0
    expect_stdout "v1 config="
    run "$wactor" call "$app" other version
    expect_stdout "v1 config=y"
    [ "$(field mod restarts)" -eq 0 ] || fail "mod restarted"
    # A good build next: the failed change is tried again.
    cp "$v2" "$tmp/mod.wasm"
    run "$wactor" reload "$app"
    expect_status 0
    grep -qx 'upgraded mod (module)' "$out" || fail "mod not upgraded by the next reload"
    run "$wactor" call "$app" mod version
    expect_stdout "v2 config="
    # A changed component that is not running (stopped by hand) is started with its new
    # settings; an unchanged stopped one is left stopped.
    run "$wactor" stop "$app" other
    expect_status 0
    sed -i 's/"y"/"z"/' "$app"
    run "$wactor" reload "$app"
    expect_status 0
    grep -qx 'started other again (it was not running; config)' "$out" ||
        fail "the stopped component was not started again"
    run "$wactor" call "$app" other version
    expect_stdout "v1 config=z"
    run "$wactor" stop "$app" other
    run "$wactor" reload "$app"
    expect_status 0
    grep -qx '0 started, 0 stopped, 0 upgraded, 2 unchanged, 0 failed' "$out" ||
        fail "an unchanged stopped component was touched"
    run "$wactor" call "$app" other version
    expect_status 3
    stop_run
    ;;
backoff)
    # A component crashing at start-up (backing off between restarts) has no turn on which
    # to be upgraded: reload says so and exits 1 instead of waiting; once it has failed for
    # good, the next reload starts the fixed build.
    cp "$broken" "$tmp/b.wasm"
    cat >"$app" <<YAML
supervisor: { max_restarts: 13, within: 1m }
components:
  a:
    wasm: $v1
  b:
    wasm: b.wasm
YAML
    start_run
    until_true sh -c "'$wactor' status --json '$app' | grep -q '\"name\":\"b\",\"state\":\"backing-off\"'"
    cp "$v2" "$tmp/b.wasm"
    run "$wactor" reload "$app"
    expect_status 1
    grep -q '^cannot upgrade b (module) now: it is backing-off' "$out" ||
        fail "the backing-off component is not reported"
    until_true sh -c "'$wactor' status --json '$app' | grep -q '\"name\":\"b\",\"state\":\"failed\"'"
    run "$wactor" reload "$app"
    expect_status 0
    grep -qx 'started b again (it was not running; module)' "$out" || fail "b not started again"
    run "$wactor" call "$app" b version
    expect_stdout "v2 config="
    stop_run
    ;;
protocol)
    # RELOAD on the wire (docs/CONTROL.md): its answer; a malformed one refused; a client
    # that leaves mid-reload costs nothing (the reload completes, run goes on).
    cat >"$app" <<YAML
components:
  a:
    wasm: $v1
YAML
    start_run
    sed -i 's/^    wasm:.*/&\n    config: "wire"/' "$app"
    python3 - "$tmp/.wactor/app.yaml.sock" <<'PY' >"$out" 2>"$err" || fail "the wire client failed"
import socket, struct, sys
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1]); return s
def frame(s):
    data = b""
    while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
        b = s.recv(65536)
        if not b:
            raise SystemExit("connection closed early")
        data += b
    return data[4:]
s = conn(); s.sendall(struct.pack(">IBB", 2, 4, 6))
f = frame(s)
assert f[0] == 4 and f[1] == 0x86, f
outcome = f[2]; n = struct.unpack(">I", f[3:7])[0]; text = f[7:7 + n].decode()
assert outcome == 0 and len(f) == 7 + n, f
assert "upgraded a (config)" in text, text
s.close()
s = conn(); s.sendall(struct.pack(">IBBB", 3, 4, 6, 0))
f = frame(s)
assert f[1] == 0x80 and b"malformed RELOAD" in f, f
s.close()
s = conn(); s.sendall(struct.pack(">IBB", 2, 4, 6)); s.close()
print("ok")
PY
    until_true grep -q '^wactor: reload: 0 started, 0 stopped, 0 upgraded, 1 unchanged, 0 failed$' "$log"
    run "$wactor" call "$app" a version
    expect_stdout "v1 config=wire"
    stop_run
    ;;
sighup)
    cat >"$app" <<YAML
components:
  a:
    wasm: $v1
    config: "before"
YAML
    start_run
    sed -i 's/before/after/' "$app"
    cat >>"$app" <<YAML
  b:
    wasm: $v2
YAML
    kill -HUP "$run_pid"
    until_true grep -q '^wactor: reload: 1 started, 0 stopped, 1 upgraded, 0 unchanged, 0 failed$' "$log"
    grep -qx 'wactor: reload: upgraded a (config)' "$log" || fail "no upgrade line"
    run "$wactor" call "$app" a version
    expect_stdout "v1 config=after"
    run "$wactor" call "$app" b version
    expect_stdout "v2 config="
    kill -0 "$run_pid" || fail "run ended after SIGHUP"
    # An invalid manifest on SIGHUP: listed in the log, nothing changed, run goes on.
    printf 'components: [\n' >"$app"
    kill -HUP "$run_pid"
    until_true grep -q 'nothing changed' "$log"
    kill -0 "$run_pid" || fail "run ended after an invalid SIGHUP"
    stop_run
    ;;
watch)
    mkdir "$tmp/build"
    cp "$v1" "$tmp/build/mod.wasm"
    cat >"$app" <<YAML
components:
  mod:
    wasm: build/mod.wasm
YAML
    start_run --watch
    run "$wactor" call "$app" mod version
    expect_stdout "v1 config="
    # A rebuild: the module file written over.
    cp "$v2" "$tmp/build/mod.wasm"
    until_true answers mod version "v2 config="
    grep -qx 'wactor: reload: upgraded mod (module)' "$log" || fail "no upgrade line"
    # A file replaced by rename, as editors and linkers do.
    cp "$v1" "$tmp/build/.mod.wasm.tmp"
    mv "$tmp/build/.mod.wasm.tmp" "$tmp/build/mod.wasm"
    until_true answers mod version "v1 config="
    # The manifest edited by rename: a config and a new component.
    cat >"$tmp/app.yaml.new" <<YAML
components:
  mod:
    wasm: build/mod.wasm
    config: "edited"
  other:
    wasm: $v2
YAML
    mv "$tmp/app.yaml.new" "$app"
    until_true answers mod version "v1 config=edited"
    until_true answers other version "v2 config="
    [ "$(field mod restarts)" -eq 0 ] || fail "mod restarted"
    stop_run
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
