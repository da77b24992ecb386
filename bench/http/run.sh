#!/bin/sh
# make bench-http: requests per second and latency through wactor's HTTP server to an echo
# component, against rawhttp (a minimal libmicrohttpd server answering the same bytes from C),
# in the same run, with wrk: POST of a 13-byte body, answered with it. The two are measured in
# turn, ROUNDS times each (interleaved, so that both see the same machine), and the best round
# of each is reported with the ratio.
# Environment: SECONDS_PER_RUN (default 10), CONNECTIONS (default 64), THREADS (wrk's, 1),
# ROUNDS (default 2), WORKERS (the runtime's workers; default 0: one per core).
set -eu
cd "$(dirname "$0")/../.."
build=build
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-64}
threads=${THREADS:-1}
rounds=${ROUNDS:-2}
tmp=$(mktemp -d)
wactor_pid=
raw_pid=
cleanup() {
    [ -z "$wactor_pid" ] || kill "$wactor_pid" 2>/dev/null || true
    [ -z "$raw_pid" ] || kill "$raw_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

wait_for() { # SECONDS FILE PATTERN
    end=$(($(date +%s) + $1))
    until grep -q "$3" "$2" 2>/dev/null; do
        [ "$(date +%s)" -lt "$end" ] || { echo "bench-http: no '$3' in $2" >&2; cat "$2" >&2; exit 1; }
        sleep 0.05
    done
}

cat >"$tmp/wactor.yaml" <<END
runtime: { control: null, workers: ${WORKERS:-0} }
components:
  echo:
    wasm: $PWD/$build/bench/http/bench_http_echo.wasm
http:
  listen: 127.0.0.1:0
  routes:
    /echo: echo
END
"$build/wactor" run --log-level warn "$tmp/wactor.yaml" 2>"$tmp/wactor.log" &
wactor_pid=$!
"$build/bench/http/rawhttp" >"$tmp/raw.log" 2>&1 &
raw_pid=$!
wait_for 30 "$tmp/wactor.log" "http listening on"
wait_for 30 "$tmp/raw.log" "^port "
wport=$(sed -n 's/^wactor: http listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/wactor.log")
rport=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$tmp/raw.log")
curl -sf --data "hello, world!" "http://127.0.0.1:$wport/echo" >"$tmp/w.out"
curl -sf --data "hello, world!" "http://127.0.0.1:$rport/echo" >"$tmp/r.out"
cmp -s "$tmp/w.out" "$tmp/r.out" || { echo "bench-http: the two answer differently" >&2; exit 1; }

# cpu_ticks PID: the process's user + system time so far, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# bench NAME PORT PID: one wrk run; appends "NAME rps p50 p90 p99 cpu" (latencies in ms; cpu:
# the server process's CPU time per request in microseconds, which the machine's load moves
# far less than req/s) to results.
bench() {
    t0=$(cpu_ticks "$3")
    wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s bench/http/post.lua \
        "http://127.0.0.1:$2/echo" >"$tmp/wrk.out"
    t1=$(cpu_ticks "$3")
    awk -v name="$1" -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^Requests\/sec:/ { rps = $2 } /requests in/ { n = $1 }
        /^ +50%/ { p50 = ms($2) } /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /Non-2xx|Socket errors/ { errors = errors " " $0 }
        END { printf "%s %.0f %.3f %.3f %.3f %.1f%s\n", name, rps, p50, p90, p99,
                     (n > 0 ? ticks * 1e6 / hz / n : 0), (errors ? " #" errors : "") }
    ' "$tmp/wrk.out" | tee -a "$tmp/results"
}

echo "wrk: $threads thread(s), $conns connections, ${secs}s a run, POST 13 bytes; $(nproc) cores"
echo "server    req/s    p50 ms  p90 ms  p99 ms  cpu us/req"
i=0
while [ $i -lt "$rounds" ]; do
    bench raw "$rport" "$raw_pid"
    bench wactor "$wport" "$wactor_pid"
    i=$((i + 1))
done
awk '
    { if ($2 > best[$1]) best[$1] = $2; cpu[$1] += $6; runs[$1]++ }
    END {
        printf "best: raw libmicrohttpd %d req/s, wactor %d req/s: wactor = %.0f%% of raw\n",
               best["raw"], best["wactor"], 100 * best["wactor"] / best["raw"]
        printf "server CPU per request (mean of the rounds): raw %.1f us, wactor %.1f us\n",
               cpu["raw"] / runs["raw"], cpu["wactor"] / runs["wactor"]
    }' "$tmp/results"
