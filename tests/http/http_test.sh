#!/bin/sh
# HTTP in (docs/HTTP.md, CLI.md "HTTP") end to end: `wactor run` with an http section on a port
# it picks (listen 127.0.0.1:0, the port read from its "http listening on" line), driven with
# curl and tests/http/client.c, with tests/http/guest/web_agent.c behind the routes (what it
# does is the request body's first word). One case per ctest test (http.CASE).
# Usage: http_test.sh CASE WACTOR GUEST_DIR CLIENT
#   GUEST_DIR holds web_agent.wasm; CLIENT is tests/http/client.c built.
# No sleep is a synchronisation: every wait polls a condition with a deadline. The EXIT trap
# stops the wactor run the case started, whatever happens.
set -u

case_name=$1
wactor=$2
guests=$3
client=$4
agent=$guests/web_agent.wasm

tmp=$(mktemp -d) || exit 1
run_pid=
bg_pids=
cleanup() {
    for p in $bg_pids; do kill "$p" 2>/dev/null; done
    [ -z "$run_pid" ] || kill -9 "$run_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# A signal ends the script through exit, so that the EXIT trap still runs.
trap 'exit 1' HUP INT PIPE TERM

fail() {
    echo "FAIL http.$case_name: $*" >&2
    for f in "$tmp"/*.log "$tmp"/*.out; do
        [ -f "$f" ] || continue
        echo "--- $f (last 30 lines)" >&2
        tail -n 30 "$f" >&2
    done
    exit 1
}

# until_true SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds; false after
# SECONDS.
until_true() {
    u_end=$(($(date +%s) + $1))
    shift
    while ! "$@"; do
        [ "$(date +%s)" -lt "$u_end" ] || return 1
        sleep 0.05
    done
}

# manifest [HTTP LINES]: $tmp/wactor.yaml with the agent as `agent` and `slow` (mailbox 1), the
# routes /a and /slow, a route to a component that does not exist, and a 1 KiB body limit.
manifest() {
    cat >"$tmp/wactor.yaml" <<EOF
components:
  agent:
    wasm: $agent
  slow:
    wasm: $agent
    limits: { mailbox: 1 }
http:
  listen: 127.0.0.1:0
  routes:
    /a: agent
    /slow: slow
    /ghost: nobody
  timeout: ${timeout:-2s}
  max_body: 1KiB
EOF
}

# start: runs the manifest in the background; $port is the port it listens on.
start() {
    "$wactor" run "$tmp/wactor.yaml" >"$tmp/run.out" 2>"$tmp/run.log" &
    run_pid=$!
    until_true 30 grep -q "wactor: running" "$tmp/run.log" || fail "run did not start"
    port=$(sed -n 's/^wactor: http listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/run.log")
    [ -n "$port" ] && [ "$port" -gt 0 ] || fail "no 'http listening on' line with a port"
    url=http://127.0.0.1:$port
}

# stop: SIGTERM, waits for the exit; run must exit 0 having freed every request.
stop() {
    kill -TERM "$run_pid"
    wait "$run_pid"
    rc=$?
    run_pid=
    [ $rc -eq 0 ] || fail "run exited $rc"
    ! grep -q "not freed" "$tmp/run.log" || fail "requests were not freed"
}

# post PATH BODY [CURL ARGS...]: $code, $body and the response headers in $tmp/headers.
post() {
    p_path=$1
    p_body=$2
    shift 2
    code=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' --max-time 30 \
        --data-binary "$p_body" "$@" "$url$p_path") || true
    body=$(cat "$tmp/body" 2>/dev/null)
}

expect() { # CODE [BODY]
    [ "$code" = "$1" ] || fail "expected $1, got $code (body: $body)"
    [ $# -lt 2 ] || [ "$body" = "$2" ] || fail "expected body '$2', got '$body'"
}

has_header() { # NAME VALUE: the response (in $tmp/headers) has it
    tr -d '\r' <"$tmp/headers" | grep -qi "^$1: $2\$"
}

# status_field COMPONENT FIELD: a number from `wactor status --json`.
status_field() {
    "$wactor" status --json "$tmp/wactor.yaml" 2>/dev/null |
        sed -n "s/.*{\"name\":\"$1\"[^}]*\"$2\":\([0-9]*\).*/\1/p"
}
field_is() { [ "$(status_field "$1" "$2")" = "$3" ]; }
field_at_least() { v=$(status_field "$1" "$2"); [ -n "$v" ] && [ "$v" -ge "$3" ]; }

manifest
case $case_name in
statuses)
    start
    post /a "echo hello"
    expect 200 "echo hello"
    post /a/deeper/path?x=1 "plain"
    expect 200 plain
    post /a error
    expect 500 "failed on purpose"
    post /a crash
    expect 502
    post /nothing "echo x"
    expect 404
    post /ab "echo x" # /a matches /a and /a/..., not /ab
    expect 404
    post /ghost "echo x"
    expect 404
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/a") # a GET with no body: echoed empty
    [ "$code" = 200 ] || fail "GET /a: $code"
    # After the crash, the agent was restarted and answers again.
    post /a "echo again"
    expect 200 "echo again"
    stop
    ;;
component_status)
    start
    post /a "status 201"
    expect 201 "status set"
    has_header x-custom yes || fail "no x-custom: yes in $(cat "$tmp/headers")"
    post /a "status 418"
    expect 418
    stop
    ;;
headers)
    start
    post /a "header x-token" -H "X-Token: abc 123"
    expect 200 "abc 123"
    has_header x-echo "abc 123" || fail "no x-echo in $(cat "$tmp/headers")"
    post "/a/b?q=1&r=%20" "request" -H "Host: example.test:8080"
    expect 200 "POST /a/b?q=1&r=%20 example.test:8080 @http"
    stop
    ;;
timeout)
    timeout=500ms manifest
    start
    t0=$(date +%s%N)
    post /a never
    t1=$(date +%s%N)
    expect 504
    ms=$(((t1 - t0) / 1000000))
    [ $ms -ge 450 ] || fail "504 after $ms ms, before the 500 ms timeout"
    [ $ms -lt 5000 ] || fail "504 after $ms ms"
    # Nothing left behind: the next request is served, the stop cancels nothing.
    post /a "echo after"
    expect 200 "echo after"
    stop
    grep -q "http: stopped (0 pending requests cancelled)" "$tmp/run.log" ||
        fail "a request was still pending at the stop"
    ;;
full)
    timeout=20s manifest
    start
    # slow (mailbox 1) handles one request (5 s of work: the margin for the steps below) and
    # queues one; a third finds its mailbox full.
    curl -s -o "$tmp/a.out" --max-time 30 --data "block 5000" "$url/slow" &
    apid=$!
    bg_pids="$bg_pids $apid"
    until_true 20 field_at_least slow received 1 || fail "the first request was not delivered"
    curl -s -o "$tmp/b.out" --max-time 30 --data "echo queued" "$url/slow" &
    bpid=$!
    bg_pids="$bg_pids $bpid"
    until_true 20 field_is slow queued 1 || fail "the second request was not queued"
    post /slow "echo third"
    expect 503
    has_header retry-after 1 || fail "no Retry-After: 1 in $(cat "$tmp/headers")"
    wait $apid $bpid # (a bare wait would wait for wactor run too)
    bg_pids=
    [ "$(cat "$tmp/a.out")" = done ] || fail "the blocking request got '$(cat "$tmp/a.out")'"
    [ "$(cat "$tmp/b.out")" = "echo queued" ] || fail "the queued request got '$(cat "$tmp/b.out")'"
    stop
    ;;
body_limits)
    start
    big=$(head -c 1019 /dev/zero | tr '\0' 'y')
    post /a "echo $big" # 1024 bytes: exactly max_body
    expect 200 "echo $big"
    post /a "echo ${big}z" # 1025 bytes, Content-Length: refused before the body is read
    expect 413
    # Without a Content-Length (chunked): read, dropped, then refused.
    head -c 100000 /dev/zero >"$tmp/zeros"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Transfer-Encoding: chunked" \
        --data-binary @"$tmp/zeros" "$url/a")
    [ "$code" = 413 ] || fail "chunked 100000 bytes: $code"
    # A large answer comes back whole.
    post /a "big 500000"
    [ "$code" = 200 ] && [ ${#body} -eq 500000 ] || fail "big answer: $code, ${#body} bytes"
    stop
    ;;
leave)
    start
    # The client leaves while its request is pending; the answer comes later and is dropped.
    "$client" leave "$port" /a "block 300" || fail "the leaving client failed"
    until_true 20 field_at_least agent received 1 || fail "the request was not delivered"
    # Behind it in the agent's mailbox: answered once the left request was.
    post /a "echo still serving"
    expect 200 "echo still serving"
    "$client" leave "$port" /a "echo gone" || fail "the leaving client failed"
    until_true 20 field_at_least agent received 3 || fail "the third request was not delivered"
    post /a "echo and again"
    expect 200 "echo and again"
    stop
    grep -q "http: stopped (0 pending requests cancelled)" "$tmp/run.log" ||
        fail "a request was still pending at the stop"
    ;;
concurrent)
    start
    "$client" concurrent "$port" /a 1000 3 120 >"$tmp/client.out" 2>&1 ||
        fail "1000 connections: $(tail -n 5 "$tmp/client.out")"
    grep -q "1000 connections, 3000 answers right" "$tmp/client.out" || fail "$(cat "$tmp/client.out")"
    stop
    ;;
slowloris)
    start
    "$client" slowloris "$port" /a 60 >"$tmp/slow.out" 2>&1 &
    bg_pids="$bg_pids $!"
    until_true 20 grep -q connected "$tmp/slow.out" || fail "the slowloris did not connect"
    # While it trickles its headers, others are served at once.
    i=0
    while [ $i -lt 20 ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --data "echo $i" "$url/a")
        [ "$code" = 200 ] || fail "request $i during the slowloris: $code"
        i=$((i + 1))
    done
    "$client" concurrent "$port" /a 100 2 20 >"$tmp/client.out" 2>&1 ||
        fail "100 connections during the slowloris: $(tail -n 5 "$tmp/client.out")"
    stop
    ;;
stop_pending)
    timeout=60s manifest
    start
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 --data never "$url/a" >"$tmp/code.out" &
    cpid=$!
    until_true 20 field_at_least agent received 1 || fail "the request was not delivered"
    stop
    wait $cpid
    [ "$(cat "$tmp/code.out")" = 503 ] || fail "a request pending at the stop got $(cat "$tmp/code.out")"
    grep -q "http: stopped (1 pending requests cancelled)" "$tmp/run.log" ||
        fail "the stop did not cancel the pending request"
    ;;
pages)
    printf '  metrics: true\n  dashboard: true\n' >>"$tmp/wactor.yaml"
    start
    post /a "echo one"
    expect 200 "echo one"
    post /nothing "x"
    expect 404
    code=$(curl -s -o "$tmp/metrics" -D "$tmp/headers" -w '%{http_code}' "$url/metrics")
    if [ "$code" = 404 ] && [ "$(cat "$tmp/metrics")" = "no route" ]; then
        echo "skipped: src/observe serves no page yet"
        stop
        exit 0
    fi
    [ "$code" = 200 ] || fail "GET /metrics: $code"
    # The server's counters reach the page: one request to /a answered 200, one 404 without route.
    grep -q '^wactor_.*route="/a".*status="200".* 1$' "$tmp/metrics" ||
        fail "no counter for /a 200 in /metrics: $(grep route= "$tmp/metrics")"
    grep -q '^wactor_.*route="".*status="404".* 1$' "$tmp/metrics" ||
        fail "no counter for the 404 in /metrics: $(grep route= "$tmp/metrics")"
    code=$(curl -s -o "$tmp/status.json" -w '%{http_code}' "$url/status.json")
    [ "$code" = 200 ] && grep -q '"name":"agent"' "$tmp/status.json" || fail "GET /status.json: $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/dashboard")
    [ "$code" = 200 ] || fail "GET /dashboard: $code"
    stop
    ;;
port_in_use)
    start
    sed "s/127.0.0.1:0/127.0.0.1:$port/" "$tmp/wactor.yaml" >"$tmp/second.yaml"
    "$wactor" run "$tmp/second.yaml" >/dev/null 2>"$tmp/second.log"
    rc=$?
    [ $rc -eq 4 ] || fail "a second run on the same port exited $rc"
    grep -q "second.yaml:[0-9]*:[0-9]*: http: cannot listen on 127.0.0.1:$port" "$tmp/second.log" ||
        fail "$(cat "$tmp/second.log")"
    stop
    ;;
trace)
    # An HTTP request with a caller's traceparent that crosses three components (a asks b, b
    # asks c; tests/guest/hdr_agent.c) is one trace: each span the child of the one that sent
    # its message, the first the caller's; the response names a's last span.
    cat >"$tmp/wactor.yaml" <<EOF
runtime:
  trace: $tmp/trace.jsonl
components:
  a: { wasm: $guests/hdr_agent.wasm, config: "relay:b", capabilities: { request: [b] } }
  b: { wasm: $guests/hdr_agent.wasm, config: "relay:c", capabilities: { request: [c] } }
  c: { wasm: $guests/hdr_agent.wasm, config: back }
http:
  listen: 127.0.0.1:0
  routes: { /t: a }
EOF
    start
    trace_id=0af7651916cd43dd8448eb211c80319c
    post /t go -H "traceparent: 00-$trace_id-b7ad6b7169203331-01"
    expect 200 back
    stop
    # span COMPONENT KIND FIELD: that span's field.
    span() {
        grep "\"component\":\"$1\".*\"kind\":\"$2\"" "$tmp/trace.jsonl" |
            sed -n "s/.*\"$3\":\"\{0,1\}\([^\",]*\).*/\1/p"
    }
    [ "$(wc -l <"$tmp/trace.jsonl")" -eq 5 ] || fail "$(cat "$tmp/trace.jsonl")"
    [ "$(grep -c "\"trace\":\"$trace_id\"" "$tmp/trace.jsonl")" -eq 5 ] || fail "not one trace"
    [ "$(span a request parent)" = b7ad6b7169203331 ] || fail "a does not continue the caller"
    [ "$(span b request parent)" = "$(span a request span)" ] || fail "b's parent is not a"
    [ "$(span c request parent)" = "$(span b request span)" ] || fail "c's parent is not b"
    [ "$(span b callback parent)" = "$(span c request span)" ] || fail "b's callback: not c"
    [ "$(span a callback parent)" = "$(span b callback span)" ] || fail "a's callback: not b"
    [ "$(span a request sender)" = "@http" ] || fail "a's sender is not @http"
    has_header traceparent "00-$trace_id-$(span a callback span)-01" ||
        fail "the response does not name a's last span: $(cat "$tmp/headers")"
    ;;
*)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "ok http.$case_name"
