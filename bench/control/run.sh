#!/bin/sh
# Times the control socket against the one-shot commands (never part of `make test`):
# - `wactor call` attached to a running system vs `wactor call --standalone`, which starts and
#   stops the system each time (process start included in both);
# - messages per second through a loop of attached `wactor send` processes.
# Usage: bench/control/run.sh [BUILD_DIR] [N]   (default build, 200)
set -eu
build=${1:-build}
n=${2:-200}
wactor=$build/wactor
tmp=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || { kill -TERM "$pid"; wait "$pid"; }; rm -rf "$tmp"' EXIT
printf 'components:\n  agent:\n    wasm: %s\n' "$(realpath "$build/tests/ctl_agent.wasm")" >"$tmp/app.yaml"
"$wactor" run --log-level error "$tmp/app.yaml" 2>"$tmp/log" &
pid=$!
until grep -q 'running 1 components' "$tmp/log"; do sleep 0.02; done

ns() { date +%s%N; }
per() { echo "scale=3; ($2 - $1) / $3 / 1000000" | bc; } # ms per iteration

tv=$(ns)
i=0; while [ $i -lt "$n" ]; do "$wactor" --version >/dev/null; i=$((i + 1)); done
t0=$(ns)
i=0; while [ $i -lt "$n" ]; do "$wactor" call "$tmp/app.yaml" agent x >/dev/null; i=$((i + 1)); done
t1=$(ns)
m=$((n / 4))
i=0; while [ $i -lt "$m" ]; do "$wactor" call --standalone "$tmp/app.yaml" agent x >/dev/null 2>&1; i=$((i + 1)); done
t2=$(ns)
i=0; while [ $i -lt "$n" ]; do "$wactor" send "$tmp/app.yaml" agent x; i=$((i + 1)); done
t3=$(ns)
echo "wactor --version: $(per "$tv" "$t0" "$n") ms per process (the floor: process start)"
echo "attached call:   $(per "$t0" "$t1" "$n") ms per call ($n calls, process start included)"
echo "standalone call: $(per "$t1" "$t2" "$m") ms per call ($m calls, system started each time)"
echo "attached send:   $(echo "scale=0; $n * 1000000000 / ($t3 - $t2)" | bc) messages/s ($n send processes)"
# One connection, SEND after SEND (each waits for its RESULT): the protocol without process starts.
python3 - "$tmp/.wactor/app.yaml.sock" 20000 <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); n = int(sys.argv[2])
target, payload = b"agent", b"x"
body = b"\x02\x03" + struct.pack(">H", len(target)) + target + struct.pack(">I", len(payload)) + payload
frame = struct.pack(">I", len(body)) + body
def answer():
    head = b""
    while len(head) < 4: head += s.recv(4 - len(head))
    need = struct.unpack(">I", head)[0]; data = b""
    while len(data) < need: data += s.recv(need - len(data))
    return data
full = 0
t = time.perf_counter()
for _ in range(n):
    s.sendall(frame); a = answer(); assert a[1] == 0x80, a
    full += a[2:6] != b"\0\0\0\0"
d = time.perf_counter() - t
print("socket SEND loop: %d messages/s (%d on one connection, each answered; %d refused)"
      % (n / d, n, full))
PY
