#!/bin/sh
# dashboard_test.sh: the dashboard in a real browser. `wactor run` with
# http: {listen: 127.0.0.1:0, dashboard: true}, five components (gateway sends to orders, orders
# asks billing, thumbnailer crashes once and runs again, mailer cannot start and ends failed),
# traffic from `wactor send`; headless Chromium loads /dashboard, lets its script poll
# status.json, and dumps the DOM, which check_dom.py checks; a second load saves a screenshot.
# No sleep is a synchronisation: waits poll for a condition, with a deadline; the traffic
# loop's pause only paces the load. Every process started here is stopped on exit (trap).
#
# Without wactor's HTTP server (a build before src/http), `static OBSERVE_TEST` serves the same
# system's pages another way: `observe_test serve` runs it in-process and keeps status.json and
# dashboard.html fresh in a folder, and `python3 -m http.server` serves that folder.
# usage: dashboard_test.sh WACTOR E2E_AGENT.wasm OUT_DIR [static OBSERVE_TEST]
set -u
wactor=$(realpath "$1")
agent=$(realpath "$2")
outdir=$(realpath "$3")
mode=${4:-run}
observe_test=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
run_pid=
load_pid=
chrome_pid=
static_pid=

cleanup() {
    for p in $chrome_pid $load_pid $static_pid $run_pid; do
        kill -TERM "$p" 2>/dev/null
    done
    # run stops gracefully, handling its backlog: at most 5 s of that, then SIGKILL.
    end=$(($(date +%s) + 5))
    while [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
        sleep 0.05
    done
    [ -z "$run_pid" ] || kill -KILL "$run_pid" 2>/dev/null
    for p in $chrome_pid $load_pid $static_pid $run_pid; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL dashboard: $*"
    echo "--- run's log (last 30 lines)"
    tail -n 30 "$tmp/run.log" 2>/dev/null
    exit 1
}

# until_true SECONDS CMD...: polls CMD until it succeeds; fails at the deadline, or at once
# when `wactor run` has gone.
until_true() {
    end=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ -z "$run_pid" ] || kill -0 "$run_pid" 2>/dev/null || fail "the system has exited"
        [ "$(date +%s)" -lt "$end" ] || fail "still false at the deadline: $*"
        sleep 0.02
    done
}

command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh)"

# The system of wactor run with its HTTP server; sets url and page.
start_run() {
    cat >"$tmp/app.yaml" <<END
http:
  listen: 127.0.0.1:0
  dashboard: true
  metrics: true
  routes:
    /orders: orders
components:
  gateway:
    wasm: $agent
    config: quiet
    capabilities: { send: [orders] }
  orders:
    wasm: $agent
    config: quiet
    capabilities: { send: [billing], request: [billing] }
    limits: { mailbox: 100000 }
  billing:
    wasm: $agent
    config: quiet
  thumbnailer:
    wasm: $agent
    config: quiet
  mailer:
    wasm: $agent
    config: quiet initfail
END

    "$wactor" run "$tmp/app.yaml" </dev/null >/dev/null 2>"$tmp/run.log" &
    run_pid=$!
    has_port() { grep -q '^wactor: http listening on 127\.0\.0\.1:[0-9]*$' "$tmp/run.log"; }
    until_true 20 has_port
    port=$(sed -n 's/^wactor: http listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/run.log")
    until_true 20 grep -q '^wactor: running [0-9]* components$' "$tmp/run.log"
    url=http://127.0.0.1:$port

    # The component that crashes once, and waits for its restart and for mailer to give up.
    "$wactor" send "$tmp/app.yaml" thumbnailer '!trap' >/dev/null 2>&1 || fail "send !trap"
    status_has() { "$wactor" status --json "$tmp/app.yaml" 2>/dev/null | python3 -c "
import json, sys
c = {c['name']: c for c in json.load(sys.stdin)['components']}
sys.exit(0 if c['thumbnailer']['restarts'] >= 1 and c['thumbnailer']['state'] == 'running'
         and c['mailer']['state'] == 'failed' else 1)"; }
    until_true 30 status_has

    # Traffic for as long as the browser looks: bursts of 200 messages to orders.
    (
        i=0
        while :; do
            "$wactor" send "$tmp/app.yaml" gateway '!sendn orders 200 order' >/dev/null 2>&1
            i=$((i + 1))
            [ $((i % 4)) -eq 0 ] && "$wactor" send "$tmp/app.yaml" orders \
                '!requestn billing 3 1000 bill' >/dev/null 2>&1
            [ $((i % 8)) -eq 0 ] && "$wactor" send "$tmp/app.yaml" thumbnailer resize >/dev/null 2>&1
            sleep 0.03
        done
    ) &
    load_pid=$!
    # Traffic has begun once the metrics count it.
    moving() {
        curl -s "$url/metrics" 2>/dev/null |
            grep -q '^wactor_messages_received_total{component="orders"} [1-9]'
    }
    until_true 20 moving
    curl -sf "$url/orders" >/dev/null || fail "GET /orders"
    # The server's own /metrics and /status.json, as a scraper and the page read them.
    curl -sf "$url/metrics" >"$tmp/metrics.txt" || fail "GET /metrics"
    promtool check metrics <"$tmp/metrics.txt" || fail "promtool check metrics on GET /metrics"
    grep -q '^wactor_http_requests_total{route="/orders",status="200"} 1$' "$tmp/metrics.txt" ||
        fail "GET /metrics does not count the request to /orders"
    curl -sf "$url/status.json" | python3 -m json.tool >/dev/null || fail "GET /status.json"
    page=$url/dashboard
}

# The same system in observe_test, its pages in a folder served by python3; sets url and page.
start_static() {
    mkdir "$tmp/site"
    "$observe_test" serve "$agent" "$tmp/site" 300 >/dev/null 2>"$tmp/run.log" &
    run_pid=$!
    python3 -m http.server 0 --bind 127.0.0.1 -d "$tmp/site" >"$tmp/http.log" 2>&1 &
    static_pid=$!
    has_port() { grep -q 'port [0-9]' "$tmp/http.log"; }
    until_true 20 has_port
    port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -n 1)
    url=http://127.0.0.1:$port
    page=$url/dashboard.html
    status_has() { python3 -c "
import json, sys
c = {c['name']: c for c in json.load(open(sys.argv[1]))['components']}
sys.exit(0 if c['thumbnailer']['restarts'] >= 1 and c['thumbnailer']['state'] == 'running'
         and c['mailer']['state'] == 'failed' and c['orders']['received'] > 0 else 1)" \
        "$tmp/site/status.json" 2>/dev/null; }
    until_true 30 status_has
}

if [ "$mode" = static ]; then
    echo "dashboard: no HTTP server in this build: the pages are served from a folder"
    start_static
else
    start_run
fi

# burst: in run mode, a backlog that keeps gateway -> orders busy for seconds whatever the
# machine's load (each message a short spin in orders), so that the page, whose polls run in
# virtual time over a short real time, sees traffic between two of them.
burst() {
    [ "$mode" = static ] && return 0 # observe_test's traffic is in-process and steady
    "$wactor" send "$tmp/app.yaml" gateway '!sendn orders 15000 !spin 20000' >/dev/null 2>&1 ||
        fail "send the burst"
}

# browser ARGS...: headless Chromium, in the background so the trap can stop it, bounded.
browser() {
    timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$tmp/profile" --virtual-time-budget=6000 "$@" 2>>"$tmp/chrome.log" &
    chrome_pid=$!
    wait "$chrome_pid"
    rc=$?
    chrome_pid=
    return $rc
}
burst
browser --dump-dom "$page" >"$tmp/dom.html" || fail "chromium --dump-dom failed: $(tail -5 "$tmp/chrome.log")"
cp "$tmp/dom.html" "$outdir/dashboard-dom.html"
python3 "$here/check_dom.py" "$tmp/dom.html" || fail "the dashboard's DOM (saved as $outdir/dashboard-dom.html)"
rm -f "$outdir/dashboard.png"
burst
browser --window-size=1280,900 --hide-scrollbars --screenshot="$outdir/dashboard.png" \
    "$page" >/dev/null || fail "chromium --screenshot failed"
[ -s "$outdir/dashboard.png" ] || fail "no screenshot"
echo "ok dashboard: screenshot $outdir/dashboard.png"
