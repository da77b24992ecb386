#!/bin/sh
# The control socket (docs/CONTROL.md) through the real `wactor` binary: `run` in the
# background, and call, send, status, stop and top against it. One case per ctest test.
# Usage: control_test.sh CASE WACTOR GUEST_DIR
# GUEST_DIR holds the guests of tests/guest (ctl_agent.wasm).
# No sleep is a synchronisation: every wait polls for a condition, with a bound. Every
# background process a case starts is stopped by the EXIT trap, also when the case fails.
set -u

case_name=$1
wactor=$2
guests=$3

tmp=$(mktemp -d) || exit 1
cleanup() {
    stop_background
    if [ -n "${tmux_socket:-}" ]; then
        tmux -S "$tmux_socket" kill-server 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/lib.sh"
log=$tmp/run.log
app=$tmp/app.yaml
sock=$tmp/.wactor/app.yaml.sock

# The manifest: one component `agent` (tests/guest/ctl_agent.c) with the extra lines given
# under it, and runtime lines from $runtime_lines.
runtime_lines=
write_manifest() {
    {
        [ -z "$runtime_lines" ] || printf 'runtime:\n%s\n' "$runtime_lines"
        printf 'components:\n  agent:\n    wasm: %s\n' "$guests/ctl_agent.wasm"
        for line in "$@"; do
            printf '    %s\n' "$line"
        done
    } >"$app"
}

starts() {
    grep -c 'ctl_agent: started' "$log"
}

case $case_name in
attach)
    write_manifest
    start_run
    [ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock"), expected 600"
    [ "$(stat -c %a "$tmp/.wactor")" = 700 ] || fail ".wactor mode is not 700"
    run "$wactor" call "$app" agent hello
    expect_status 0
    expect_stdout "echo:hello"
    # Attached is the default; --attach says so.
    run "$wactor" call --attach "$app" agent "two words"
    expect_status 0
    expect_stdout "echo:two words"
    printf 'from stdin' >"$tmp/in"
    "$wactor" call "$app" agent - <"$tmp/in" >"$out" 2>"$err" || fail "call with stdin failed"
    expect_stdout "echo:from stdin"
    run "$wactor" send "$app" agent ping
    expect_status 0
    until_true grep -q 'ctl_agent: got ping' "$log"
    run "$wactor" call "$app" nobody x
    expect_status 3
    grep -q 'no component' "$err" || fail "no reason for the missing component"
    run "$wactor" send "$app" nobody x
    expect_status 3
    run "$wactor" status --json "$app"
    expect_status 0
    grep -q "\"pid\":$run_pid," "$out" || fail "status --json does not give run's pid"
    grep -q '"name":"agent","state":"running","restarts":0,' "$out" ||
        fail "status --json does not show agent running"
    grep -q '"received":4,' "$out" || fail "status --json: agent did not handle 4 messages"
    # The handlers' counters: fuel and time spent, 4 handlers in the histogram, no crash.
    python3 -c '
import json, sys
a = [c for c in json.load(open(sys.argv[1]))["components"] if c["name"] == "agent"][0]
assert a["fuel"] > 0 and a["handler_ns"] > 0, a
assert len(a["handler_hist"]) == 12 and sum(a["handler_hist"]) == 4, a
assert a["crashes_by"]["fuel"] == 0 and len(a["crashes_by"]) == 15, a
assert a["health"] == -1, a  # no wactor_health export: no answer
assert a["tier"] == "interp", a  # no artifact: interpreted
e = json.load(open(sys.argv[1]))["edges"]
assert {"from": "@host", "to": "agent", "messages": 4} in e, e
' "$out" || fail "status --json: no handler counters: $(cat "$out")"
    # Not in a lattice: HOSTS answers no lattice, and status says so.
    grep -q '],"lattice":null}$' "$out" || fail "status --json: no \"lattice\":null"
    run "$wactor" status "$app"
    expect_status 0
    ! grep -q '^lattice ' "$out" || fail "status shows a lattice outside of one"
    head -n 1 "$out" | grep -q '^COMPONENT  STATE' || fail "status has no header"
    head -n 1 "$out" | grep -q '  HEALTH$' || fail "status has no HEALTH column"
    grep -q '^agent  *running  .*  -$' "$out" || fail "status: agent's health is not \"-\""
    grep -q '^agent  *running  ' "$out" || fail "status has no line for agent"
    # The components were started once, by run: call and send did not start them again.
    [ "$(starts)" -eq 1 ] || fail "agent started $(starts) times"
    run "$wactor" stop "$app" nobody
    expect_status 3
    run "$wactor" stop "$app" agent
    expect_status 0
    run "$wactor" status --json "$app"
    grep -q '"name":"agent","state":"stopped"' "$out" || fail "agent not stopped"
    run "$wactor" call "$app" agent x
    expect_status 3
    # The whole system: run exits 0, as after SIGTERM, and removes its socket.
    run "$wactor" stop "$app"
    expect_status 0
    wait "$run_pid"
    status=$?
    run_pid=
    expect_status 0
    grep -q 'wactor stop: stopping gracefully' "$log" || fail "run did not log the stop"
    [ ! -e "$sock" ] || fail "the socket is still there"
    run "$wactor" status "$app"
    expect_status 3
    ;;
second_run)
    write_manifest
    start_run
    run "$wactor" run "$app"
    expect_status 4
    grep -q "already running (pid $run_pid" "$err" || fail "the second run does not name pid $run_pid"
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected one error line"
    [ "$(starts)" -eq 1 ] || fail "agent started twice"
    grep -q 'ctl_agent: started' "$err" && fail "the second run started a component"
    run "$wactor" call "$app" agent still
    expect_stdout "echo:still"
    stop_run
    ;;
stale_socket)
    write_manifest
    # A socket file nobody listens on (a run killed with SIGKILL leaves one behind).
    mkdir -m 700 "$tmp/.wactor"
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$sock" ||
        fail "cannot make a stale socket"
    [ -S "$sock" ] || fail "no stale socket"
    run "$wactor" call --attach "$app" agent x
    expect_status 3
    run "$wactor" call "$app" agent alone
    expect_status 0
    expect_stdout "echo:alone"
    start_run
    run "$wactor" call --attach "$app" agent x
    expect_status 0
    expect_stdout "echo:x"
    stop_run
    # A run ended by SIGKILL leaves its socket: the next run replaces it.
    start_run
    kill -KILL "$run_pid"
    wait "$run_pid" 2>/dev/null
    run_pid=
    [ -S "$sock" ] || fail "SIGKILL left no socket (the case tests nothing)"
    start_run
    run "$wactor" call --attach "$app" agent y
    expect_stdout "echo:y"
    stop_run
    ;;
hostile)
    write_manifest
    start_run
    # Garbage, an oversized length, a frame cut short by a disconnect, a bad version, an
    # unknown type, more connections than the server takes, and a client that stalls
    # mid-frame: each costs its own connection only.
    python3 - "$sock" <<'EOF' >"$out" 2>"$err" || fail "hostile client failed"
import socket, struct, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s
def closed_after(s):
    # The server answers a refusal (or nothing) and closes: read to the end.
    # A reset is a close too: the server does not read what a refused client sent on.
    data = b""
    while True:
        try:
            b = s.recv(4096)
        except ConnectionResetError:
            return data
        if not b:
            return data
        data += b
hello = struct.pack(">IBB", 2, 4, 1)  # version 4 (CTL_VERSION)
# garbage
s = conn(); s.sendall(b"\x00\x00\x00\x01GARBAGE!" * 50); closed_after(s); s.close()
# oversized length
s = conn(); s.sendall(struct.pack(">I", 0xFFFFFFF0) + b"\x01\x02"); closed_after(s); s.close()
# mid-message disconnect
s = conn(); s.sendall(struct.pack(">IBB", 100, 4, 2) + b"abc"); s.close()
# unsupported version, unknown type
for body in (b"\x09\x01", b"\x04\x7f"):
    s = conn(); s.sendall(struct.pack(">I", len(body)) + body)
    d = closed_after(s); s.close()
    assert d[5] == 0x80, d
# a malformed CALL (target length past the end)
body = b"\x04\x02" + struct.pack(">IH", 0, 60000)
s = conn(); s.sendall(struct.pack(">I", len(body)) + body); closed_after(s); s.close()
# more connections than allowed, all at once
# (past the listen queue a connect may fail at once: that is a refusal too)
many = []
for _ in range(40):
    try:
        many.append(conn())
    except (BlockingIOError, ConnectionRefusedError):
        pass
assert len(many) >= 16, len(many)
for s in many: s.close()
# Until the server has seen those go, a new client may be refused: retry, with a bound.
def hello_answered():
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            s = conn(); s.sendall(hello)
            head = b""
            while len(head) < 6:
                b = s.recv(6 - len(head))
                if not b:
                    break
                head += b
            s.close()
            if len(head) == 6 and head[5] == 0x81:
                return True
        except (BlockingIOError, ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
            pass
        time.sleep(0.02)
    return False
assert hello_answered(), "no HELLO answered after the flood"
# a stalled client: half a frame, then nothing; others are answered meanwhile, and the
# server closes it once its frame deadline passes
stalled = conn(); stalled.sendall(struct.pack(">IBB", 50, 3, 2))
assert hello_answered(), "no HELLO answered beside a stalled client"
stalled.settimeout(30)
try:
    assert stalled.recv(10) == b"", "the stalled connection got data"
except ConnectionResetError:
    pass
print("ok")
EOF
    grep -qx ok "$out" || fail "hostile client did not finish"
    grep -q 'closing a connection: a frame did not arrive whole in time' "$log" ||
        fail "the stalled client was not closed for its deadline"
    run "$wactor" call "$app" agent after
    expect_status 0
    expect_stdout "echo:after"
    kill -0 "$run_pid" || fail "run died"
    [ "$(starts)" -eq 1 ] || fail "agent restarted"
    stop_run
    ;;
no_system)
    write_manifest
    run "$wactor" call --attach "$app" agent x
    expect_status 3
    grep -q 'no system is running' "$err" || fail "no reason given"
    run "$wactor" send --attach "$app" agent x
    expect_status 3
    run "$wactor" status "$app"
    expect_status 3
    run "$wactor" stop "$app"
    expect_status 3
    run "$wactor" top "$app"
    expect_status 3
    run "$wactor" call --attach --standalone "$app" agent x
    expect_status 4
    ;;
standalone)
    write_manifest
    start_run
    run "$wactor" call --standalone "$app" agent own
    expect_status 0
    expect_stdout "echo:own"
    grep -q 'ctl_agent: started' "$err" || fail "--standalone did not start its own copy"
    run "$wactor" send --standalone "$app" agent own
    expect_status 0
    [ "$(starts)" -eq 1 ] || fail "the running system was disturbed"
    grep -q 'got own' "$log" && fail "--standalone reached the running system"
    stop_run
    ;;
efull)
    write_manifest 'limits: { mailbox: 1, time: 5s }'
    start_run
    # "spin" keeps agent's handler busy until its time limit; once the mailbox is empty
    # again (spin was taken out), one message fits and the next is refused.
    run "$wactor" send "$app" agent spin
    expect_status 0
    queued_zero() {
        "$wactor" status --json "$app" >"$out" 2>"$err" && grep -q '"queued":0,' "$out"
    }
    until_true queued_zero
    run "$wactor" send "$app" agent one
    expect_status 0
    run "$wactor" send "$app" agent two
    expect_status 5
    grep -q 'EFULL' "$err" || fail "EFULL not named"
    stop_run
    ;;
call_statuses)
    # Attached, call keeps its exit statuses: 1 ERROR, 2 TIMEOUT, 3 FAILED.
    write_manifest 'limits: { time: 1s }'
    start_run
    run "$wactor" call "$app" agent err
    expect_status 1
    expect_stdout "echo:err"
    grep -q 'answered ERROR: echo:err' "$err" || fail "ERROR not reported"
    # spin: no answer within 100ms (TIMEOUT); the handler goes on in the running system...
    run "$wactor" call --timeout 100ms "$app" agent spin
    expect_status 2
    [ ! -s "$out" ] || fail "stdout not empty on TIMEOUT"
    # ... until its time limit of 1s: a crash, so a request waiting for it ends FAILED.
    run "$wactor" call --timeout 20s "$app" agent spin
    expect_status 3
    grep -q 'FAILED' "$err" || fail "FAILED not reported"
    # The system goes on: the component was restarted.
    run "$wactor" call "$app" agent back
    expect_status 0
    expect_stdout "echo:back"
    stop_run
    ;;
status_large)
    # An answer larger than the socket's buffer (2000 components with long names: about
    # 600 KB) leaves in several writes.
    long=$(printf 'x%.0s' $(seq 200))
    {
        printf 'components:\n'
        i=0
        while [ $i -lt 2000 ]; do
            printf '  c%04d_%s: {wasm: %s}\n' $i "$long" "$guests/ctl_agent.wasm"
            i=$((i + 1))
        done
    } >"$app"
    : >"$log"
    "$wactor" run "$app" </dev/null >/dev/null 2>"$log" &
    run_pid=$!
    until_true grep -q '^wactor: running 2000 components$' "$log"
    run "$wactor" status "$app"
    expect_status 0
    [ "$(wc -l <"$out")" -eq 2001 ] || fail "expected a header and 2000 lines"
    run "$wactor" status --json "$app"
    expect_status 0
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["components"]) == 2000' \
        "$out" || fail "status --json is not 2000 components"
    stop_run
    ;;
control_null)
    runtime_lines='  control: null'
    write_manifest
    start_run
    [ ! -e "$tmp/.wactor" ] || fail "runtime.control: null made .wactor"
    run "$wactor" call --attach "$app" agent x
    expect_status 3
    run "$wactor" status "$app"
    expect_status 3
    # Without a socket, call runs its own copy.
    run "$wactor" call "$app" agent x
    expect_status 0
    expect_stdout "echo:x"
    stop_run
    ;;
control_path)
    # An explicit path, relative to the manifest's folder; one too long for a socket.
    runtime_lines='  control: ctl/app.sock'
    write_manifest
    start_run
    [ -S "$tmp/ctl/app.sock" ] || fail "no socket at runtime.control"
    run "$wactor" call --attach "$app" agent x
    expect_stdout "echo:x"
    stop_run
    long=$(printf 'x%.0s' $(seq 120))
    runtime_lines="  control: $long.sock"
    write_manifest
    run "$wactor" run "$app"
    expect_status 4
    grep -q 'runtime.control' "$err" || fail "the key is not named"
    grep -q 'at most 107' "$err" || fail "the limit is not named"
    ;;
top)
    write_manifest
    start_run
    command -v tmux >/dev/null || { echo "SKIP: no tmux"; exit 0; }
    tmux_socket=$tmp/tmux.sock
    # top in a real terminal; after it, the shell records its status and the terminal's modes.
    if ! tmux -S "$tmux_socket" new-session -d -s top -x 120 -y 30 \
        "'$wactor' top '$app'; echo \$? >'$tmp/top.rc'; stty -a >'$tmp/stty'; sleep 60"; then
        echo "SKIP: tmux cannot start"
        exit 0
    fi
    shows_agent() {
        tmux -S "$tmux_socket" capture-pane -p -t top >"$out" 2>/dev/null &&
            grep -q '^agent  *running' "$out"
    }
    until_true shows_agent
    grep -q 'MSG/S' "$out" || fail "top shows no rates"
    run "$wactor" send "$app" agent seen
    shows_two() {
        tmux -S "$tmux_socket" capture-pane -p -t top >"$out" 2>/dev/null &&
            grep -q '^agent  *running  *0  *0/10000  *1 ' "$out"
    }
    until_true shows_two
    tmux -S "$tmux_socket" send-keys -t top q
    until_true test -s "$tmp/stty"
    [ "$(cat "$tmp/top.rc")" = 0 ] || fail "top exited $(cat "$tmp/top.rc")"
    grep -q -- '-icanon' "$tmp/stty" && fail "top left the terminal in raw mode"
    grep -q -- '-echo ' "$tmp/stty" && fail "top left echo off"
    tmux -S "$tmux_socket" kill-server
    tmux_socket=
    stop_run
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
exit 0
