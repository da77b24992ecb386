#!/bin/sh
# make bench-lattice: the lattice's cost (README.md explains it), on this machine, in one run:
#   (a) cross-host request/response round trip: two `wactor run` hosts (a1 on A requests b1 on
#       B, one after another) against raw libnats request/reply between two C processes
#       (natsbench) through the same nats-server; target at most 1.5x;
#   (b) cross-host fire-and-forget throughput (a1 sends N to b1, from the first send to the
#       last receipt) against raw libnats publish to a subscriber; target at least 50%;
#   (c) local round trip and fire-and-forget between two components of one host, that host in
#       a lattice or not; target: no measurable change.
# Every figure is measured ROUNDS times, the two sides of each comparison interleaved, and the
# medians are compared. Prints figures and ratios; never fails on a figure (not a test).
# Environment: BENCH_ROUNDS (3), BENCH_RR_N (5000), BENCH_FF_N (50000), BENCH_LOCAL_RR_N
# (200000), BENCH_LOCAL_FF_N (500000), BUILD (build).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
wactor=$build/wactor
agent=$build/tests/lat_agent.wasm
natsbench=$build/bench/lattice/natsbench
for f in "$wactor" "$agent" "$natsbench"; do
    [ -e "$f" ] || { echo "run.sh: $f is missing: run make bench-lattice" >&2; exit 2; }
done
rounds=${BENCH_ROUNDS:-3}
rr_n=${BENCH_RR_N:-5000}
ff_n=${BENCH_FF_N:-50000}
lrr_n=${BENCH_LOCAL_RR_N:-200000}
lff_n=${BENCH_LOCAL_FF_N:-500000}

tmp=$(mktemp -d) || exit 1
fail() {
    echo "run.sh: $*" >&2
    for f in "$tmp"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
    exit 1
}
. "$root/tests/lattice/nats.sh"
trap 'nats_cleanup; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM # through exit: the EXIT trap still stops everything

caps='{send: [">"], request: [">"]}'
big='{mailbox: 1000000}'
component() { # NAME [LIMITS]
    printf '  %s:\n    wasm: %s\n    capabilities: %s\n' "$1" "$agent" "$caps"
    [ -z "${2:-}" ] || printf '    limits: %s\n' "$2"
}
lattice() { # HOST
    printf 'lattice:\n  url: %s\n  name: bench\n  host: %s\n  heartbeat: 1s\n' "$nats_url" "$1"
}

# call MANIFEST COMPONENT COMMAND: the answer on standard output.
call() {
    "$wactor" call --timeout 10m "$tmp/$1.yaml" "$2" "$3" </dev/null 2>"$tmp/call.err" ||
        fail "call $1 $2 '$3': $(cat "$tmp/call.err")"
}
field() { # NAME TEXT
    printf ' %s ' "$2" | sed -n "s/.* $1=\([^ ]*\) .*/\1/p"
}
recv_is() { # MANIFEST COMPONENT N
    [ "$(field recv "$(call "$1" "$2" report)")" = "$3" ]
}
median() { # numbers on standard input
    sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

nats_start
{ lattice hostA; printf 'components:\n'; component a1; } >"$tmp/A.yaml"
{ lattice hostB; printf 'components:\n'; component b1 "$big"; } >"$tmp/B.yaml"
{ lattice local-on; printf 'components:\n'; component l1; component l2 "$big"; } >"$tmp/on.yaml"
{ printf 'components:\n'; component l1; component l2 "$big"; } >"$tmp/off.yaml"
host_start A "$tmp/A.yaml"
host_start B "$tmp/B.yaml"
host_start on "$tmp/on.yaml"
"$wactor" run "$tmp/off.yaml" </dev/null >/dev/null 2>"$tmp/off.log" &
bg_pids="$bg_pids $!"
poll "the host without a lattice runs" grep -q '^wactor: running ' "$tmp/off.log"
poll "a1 reaches b1" sh -c "'$wactor' call '$tmp/A.yaml' a1 'call b1 5000 echo:x' | grep -q '^OK '"
"$natsbench" rr-server "$nats_url" bench.rr >"$tmp/rrserver.out" 2>&1 &
bg_pids="$bg_pids $!"
poll "natsbench rr-server" grep -q ready "$tmp/rrserver.out"

# Warm-up: every path once.
call A a1 "rr b1 200" >/dev/null
call on l1 "rr l2 1000" >/dev/null
call off l1 "rr l2 1000" >/dev/null
"$natsbench" rr-client "$nats_url" bench.rr 200 16 >/dev/null

# wactor_ff MANIFEST SENDER SINK N: prints messages per second, from the first send to the
# sink's last receipt (both hosts read one clock: now_ms).
wactor_ff() {
    call "$1" "$3" reset >/dev/null
    out=$(call "$1" "$2" "ff $3 $4")
    sent=$(field ff "$out")
    t0=$(field t0 "$out")
    echo "$(( $(field t1 "$out") - t0 ))" >"$tmp/ff_send_ms"
    [ "$sent" = "$4" ] || echo "  (only $sent of $4 sent: $out)" >&2
    poll "$3 receives $sent" recv_is "$1" "$3" "$sent"
    last=$(field last_ms "$(call "$1" "$3" report)")
    awk -v n="$sent" -v ms="$((last - t0))" 'BEGIN {if (ms < 1) ms = 1; printf "%.0f\n", n * 1000 / ms}'
}
# wactor_rr MANIFEST SENDER TARGET N: microseconds per round trip.
wactor_rr() {
    out=$(call "$1" "$2" "rr $3 $4")
    [ "$(field status "$out")" = OK ] || fail "rr: $out"
    awk -v n="$(field rr "$out")" -v ms="$(field ms "$out")" 'BEGIN {printf "%.2f\n", ms * 1000 / n}'
}
raw_rr() {
    out=$("$natsbench" rr-client "$nats_url" bench.rr "$rr_n" 16) || fail "natsbench rr-client"
    awk -v n="$(field rr "$out")" -v us="$(field us "$out")" 'BEGIN {printf "%.2f\n", us / n}'
}
raw_ff() {
    "$natsbench" sub "$nats_url" bench.ff "$ff_n" >"$tmp/sub.out" 2>&1 &
    sub=$!
    poll "natsbench sub" grep -q ready "$tmp/sub.out"
    t0=$("$natsbench" pub "$nats_url" bench.ff "$ff_n" 16 | sed -n 's/^t0_us=//p')
    wait $sub || fail "natsbench sub: $(cat "$tmp/sub.out")"
    last=$(sed -n 's/.*last_us=//p' "$tmp/sub.out")
    awk -v n="$ff_n" -v us="$((last - t0))" 'BEGIN {printf "%.0f\n", n * 1000000 / us}'
}

echo "lattice benchmarks: $rounds rounds; cross-host rr $rr_n, ff $ff_n; local rr $lrr_n, ff $lff_n"
echo "nats-server $("$nats_bin" --version 2>&1 | head -n 1), libnats $(pkg-config --modversion libnats 2>/dev/null || echo '?')"
: >"$tmp/figures"
for round in $(seq "$rounds"); do
    a=$(wactor_rr A a1 b1 "$rr_n")
    b=$(raw_rr)
    c=$(wactor_ff A a1 b1 "$ff_n")
    c_send=$(cat "$tmp/ff_send_ms")
    d=$(raw_ff)
    e=$(wactor_rr off l1 l2 "$lrr_n")
    f=$(wactor_rr on l1 l2 "$lrr_n")
    g=$(wactor_ff off l1 l2 "$lff_n")
    h=$(wactor_ff on l1 l2 "$lff_n")
    echo "$a $b $c $d $e $f $g $h" >>"$tmp/figures"
    printf 'round %s: cross rr %s us (raw %s us), cross ff %s msg/s (a1 done sending after %s ms; raw %s msg/s), local rr off %s on %s us, local ff off %s on %s msg/s\n' \
        "$round" "$a" "$b" "$c" "$c_send" "$d" "$e" "$f" "$g" "$h"
done
col() { awk -v c="$1" '{print $c}' "$tmp/figures" | median; }
a=$(col 1) b=$(col 2) c=$(col 3) d=$(col 4) e=$(col 5) f=$(col 6) g=$(col 7) h=$(col 8)
echo
echo "medians                                    wactor        baseline      ratio    target"
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" -v f="$f" -v g="$g" -v h="$h" 'BEGIN {
    printf "(a) cross-host round trip (us)          %10.2f    %10.2f    %6.2fx   <= 1.5x (raw libnats request/reply)\n", a, b, a / b
    printf "(b) cross-host fire-and-forget (msg/s)  %10.0f    %10.0f    %6.0f%%   >= 50%% (raw libnats publish->subscriber)\n", c, d, 100 * c / d
    printf "(c) local round trip (us), lattice on   %10.2f    %10.2f    %6.2fx   ~1x (same host, no lattice)\n", f, e, f / e
    printf "    local fire-and-forget (msg/s), on   %10.0f    %10.0f    %6.0f%%   ~100%% (same host, no lattice)\n", h, g, 100 * h / g
}'
