#!/bin/sh
# dashboard_test.sh: the dashboard in a real browser. `wactor run` with
# http: {listen: 127.0.0.1:0, dashboard: true}, five components (gateway sends to orders, orders
# asks billing, thumbnailer crashes once and runs again, mailer cannot start and ends failed),
# traffic from `wactor send`; headless Chromium loads /dashboard, lets its script poll
# status.json, and dumps the DOM, which check_dom.py checks; a second load saves a screenshot.
# No sleep is a synchronisation: waits poll for a condition, with a deadline; the traffic
# loop's pause only paces the load. Every process started here is stopped on exit (trap).
# usage: dashboard_test.sh WACTOR E2E_AGENT.wasm OUT_DIR
set -u
wactor=$1
agent=$2
outdir=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
run_pid=
load_pid=
chrome_pid=

cleanup() {
    for p in $chrome_pid $load_pid $run_pid; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $chrome_pid $load_pid $run_pid; do
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

# until_true SECONDS CMD...: polls CMD until it succeeds.
until_true() {
    limit=$(($1 * 50))
    shift
    tries=0
    until "$@"; do
        tries=$((tries + 1))
        [ "$tries" -le "$limit" ] || fail "still false after $limit polls: $*"
        sleep 0.02
    done
}

command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh)"

cat >"$tmp/app.yaml" <<END
http:
  listen: 127.0.0.1:0
  dashboard: true
  metrics: true
components:
  gateway:
    wasm: $agent
    config: quiet
    capabilities: { send: [orders] }
  orders:
    wasm: $agent
    config: quiet
    capabilities: { send: [billing], request: [billing] }
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

# Traffic for as long as the browser looks: about 1,000 messages a second to orders.
(
    i=0
    while :; do
        "$wactor" send "$tmp/app.yaml" gateway '!sendn orders 40 order' >/dev/null 2>&1
        i=$((i + 1))
        [ $((i % 4)) -eq 0 ] && "$wactor" send "$tmp/app.yaml" orders \
            '!requestn billing 3 1000 bill' >/dev/null 2>&1
        [ $((i % 8)) -eq 0 ] && "$wactor" send "$tmp/app.yaml" thumbnailer resize >/dev/null 2>&1
        sleep 0.03
    done
) &
load_pid=$!
# Traffic has begun once the metrics count it.
moving() { curl -s "$url/metrics" 2>/dev/null | grep -q '^wactor_messages_received_total{component="orders"} [1-9]'; }
if command -v curl >/dev/null; then until_true 20 moving; fi

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
browser --dump-dom "$url/dashboard" >"$tmp/dom.html" || fail "chromium --dump-dom failed: $(tail -5 "$tmp/chrome.log")"
cp "$tmp/dom.html" "$outdir/dashboard-dom.html"
python3 "$here/check_dom.py" "$tmp/dom.html" || fail "the dashboard's DOM (saved as $outdir/dashboard-dom.html)"
rm -f "$outdir/dashboard.png"
browser --window-size=1280,900 --hide-scrollbars --screenshot="$outdir/dashboard.png" \
    "$url/dashboard" >/dev/null || fail "chromium --screenshot failed"
[ -s "$outdir/dashboard.png" ] || fail "no screenshot"
echo "ok dashboard: screenshot $outdir/dashboard.png"
