#!/bin/sh
# The lattice (docs/LATTICE.md, CLI.md "Lattice: many hosts over NATS") end to end: a real
# nats-server on a loopback port, two or three `wactor run` hosts as separate processes, each
# running tests/lattice/guest/lat_agent.c components that the script drives with `wactor call`
# and asserts on through their `report`. One case per ctest test (lattice.CASE).
# Usage: lattice_test.sh CASE WACTOR GUEST_DIR NATSPUB
#   GUEST_DIR holds lat_agent.wasm; NATSPUB is tests/lattice/natspub.c built.
# Environment: LATTICE_TEST_HEARTBEAT_MS for the hosts' heartbeat (default
# LATTICE_TEST_DEFAULT_HEARTBEAT_MS, which ctest sets to 1000 in sanitizer builds, else 200);
# LATTICE_TEST_POLL_SECONDS (default 60) bounds every wait.
# No sleep is a synchronisation and nothing is timed: every wait polls a condition with a
# deadline. The EXIT trap stops every nats-server and wactor the case started.
set -u

case_name=$1
wactor=$2
guests=$3
natspub=$4
agent=$guests/lat_agent.wasm

tmp=$(mktemp -d) || exit 1
fail() {
    echo "FAIL lattice.$case_name: $*" >&2
    echo "--- last answer: ${ans:-}" >&2
    for f in "$tmp"/*.log "$tmp"/nats/server.log; do
        [ -f "$f" ] || continue
        echo "--- $f (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
    exit 1
}
. "$(dirname "$0")/nats.sh"
tmux_socket=
cleanup() {
    [ -z "$tmux_socket" ] || tmux -S "$tmux_socket" kill-server 2>/dev/null
    nats_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
# A signal ends the script through exit, so that the EXIT trap still stops what it started.
trap 'exit 1' HUP INT PIPE TERM

hb_ms=${LATTICE_TEST_HEARTBEAT_MS:-${LATTICE_TEST_DEFAULT_HEARTBEAT_MS:-200}}
all_caps='{send: [">"], request: [">"], publish: [">"], subscribe: [">"]}'
runtime_lines=
url=

# agent NAME CONFIG [CAPABILITIES] [LIMITS]: a component's lines for a manifest.
agent() {
    printf '  %s:\n    wasm: %s\n    config: "%s"\n    capabilities: %s\n' \
        "$1" "$agent" "$2" "${3:-$all_caps}"
    [ -z "${4:-}" ] || printf '    limits: %s\n' "$4"
}

# manifest ID HOST [COMPONENT LINES...]: $tmp/ID.yaml, in lattice `test` as HOST; no
# components makes a client. $url overrides the server's URL, $runtime_lines adds runtime keys.
manifest() {
    m_id=$1
    m_host=$2
    shift 2
    {
        [ -z "$runtime_lines" ] || printf 'runtime:\n%s\n' "$runtime_lines"
        printf 'lattice:\n  url: %s\n  name: test\n  host: %s\n  heartbeat: %sms\n' \
            "${url:-$nats_url}" "$m_host" "$hb_ms"
        [ $# -eq 0 ] || printf 'components:\n'
        for lines in "$@"; do
            printf '%s\n' "$lines"
        done
    } >"$tmp/$m_id.yaml"
}

# acall ID COMPONENT COMMAND: `wactor call` through manifest ID; the answer in $ans.
acall() {
    "$wactor" call "$tmp/$1.yaml" "$2" "$3" </dev/null >"$tmp/answer" 2>"$tmp/call.err" ||
        fail "wactor call $1.yaml $2 '$3' exited $?: $(cat "$tmp/call.err")"
    ans=$(cat "$tmp/answer")
}

# field NAME: the value of NAME=VALUE in $ans.
field() {
    printf ' %s ' "$ans" | sed -n "s/.* $1=\([^ ]*\) .*/\1/p"
}

expect_field() {
    [ "$(field "$1")" = "$2" ] || fail "expected $1=$2 in: $ans"
}

expect_answer() {
    [ "$ans" = "$1" ] || fail "expected the answer '$1', got '$ans'"
}

# report_is ID COMPONENT NAME VALUE: the component's report has NAME=VALUE (for poll).
report_is() {
    acall "$1" "$2" report
    [ "$(field "$3")" = "$4" ]
}

# reaches ID COMPONENT TARGET: COMPONENT's request to TARGET is answered OK (for poll).
reaches() {
    acall "$1" "$2" "call $3 5000 echo:x"
    case $ans in "OK x@"*) return 0 ;; esac
    return 1
}

wait_reach() {
    poll "$2 on $1 reaches $3" reaches "$1" "$2" "$3"
}

wait_report() {
    poll "$2 on $1 reports $3=$4" report_is "$1" "$2" "$3" "$4"
}

# lists_host ID HOST: `wactor hosts` of manifest ID lists HOST.
lists_host() {
    "$wactor" hosts "$tmp/$1.yaml" </dev/null 2>/dev/null | grep -qw -- "$2"
}

# host_field ID HOST FIELD: FIELD of HOST in `wactor hosts --json` of manifest ID (empty if
# HOST is not listed).
host_field() {
    "$wactor" hosts --json "$tmp/$1.yaml" </dev/null 2>/dev/null |
        python3 -c 'import json, sys
for h in json.load(sys.stdin):
    if h["name"] == sys.argv[1]:
        print(h[sys.argv[2]])' "$2" "$3"
}

# Two hosts: A runs a1, B runs b1.
two_hosts() {
    nats_running || nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach A a1 b1
    wait_reach B b1 a1
}

case $case_name in
send)
    two_hosts
    acall A a1 "send b1 100"
    expect_answer "ok=100 efull=0 denied=0 notfound=0 other=0"
    wait_report B b1 recv 100
    expect_field order_err 0
    expect_field senders a1:100
    # And back the other way; a name nobody runs is ENOTFOUND.
    acall B b1 "send a1 7"
    expect_field ok 7
    wait_report A a1 recv 7
    expect_field order_err 0
    acall A a1 "send nobody 1"
    expect_field notfound 1
    ;;
request)
    two_hosts
    acall A a1 "call b1 0 echo:hello"
    expect_answer "OK hello@B"
    acall A a1 "call b1 0 err"
    expect_answer "ERROR err@B"
    acall A a1 "req b1 50 0 echo:y"
    expect_field ok 50
    acall A a1 "req b1 5 0 err"
    acall A a1 "req b1 3 300 hang"
    wait_report A a1 pending 0
    expect_field cb_ok 50
    expect_field cb_error 5
    expect_field cb_timeout 3
    expect_field cb_failed 0
    expect_field cb_unknown 0
    # Answers that come after the timeout are dropped: still one callback each.
    acall A a1 "req b1 3 100 spin:300"
    wait_report A a1 pending 0
    expect_field cb_timeout 6
    wait_reach A a1 b1
    acall A a1 report
    expect_field cb_timeout 6
    expect_field cb_ok 50
    expect_field cb_unknown 0
    acall A a1 "call nobody 0 echo:x"
    expect_answer ENOTFOUND
    ;;
deferred)
    two_hosts
    acall A a1 "req b1 5 0 defer"
    wait_report B b1 deferred 5
    acall A a1 report
    expect_field pending 5
    expect_field cb_ok 0
    acall B b1 answer
    expect_answer answered=5
    wait_report A a1 cb_ok 5
    expect_field pending 0
    expect_field cb_unknown 0
    ;;
cancel)
    two_hosts
    acall A a1 "req b1 5 0 defer"
    wait_report B b1 deferred 5
    acall A a1 cancel
    expect_answer "cancelled=5 notfound=0"
    acall B b1 answer
    expect_answer answered=5
    # The answers went before this one on B's link to A: if any came as a callback, it is in.
    acall A a1 "call b1 0 echo:after"
    expect_answer "OK after@B"
    acall A a1 report
    expect_field cb_ok 0
    expect_field cb_unknown 0
    expect_field pending 0
    ;;
pubsub)
    # a1 subscribes ev.a (here), b1 ev.* and c1 ev.> (elsewhere); wildcards as in ABI.md.
    nats_start
    manifest A hostA "$(agent a1 "tag=A sub=ev.a")"
    manifest B hostB "$(agent b1 "tag=B sub=ev.*")"
    manifest C hostC "$(agent c1 "tag=C sub=ev.>")"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    # A request from b1 and c1 to a1 follows their STATE on their links to A.
    wait_reach B b1 a1
    wait_reach C c1 a1
    acall A a1 "pub ev.a 3"
    expect_field ok 3
    acall A a1 "pub ev.a.b 2"
    acall A a1 "pub other 4"
    wait_report C c1 pubs 5
    wait_report B b1 pubs 3
    wait_report A a1 pubs 3
    # Publications went before these requests on A's links: the counts are final.
    wait_reach A a1 b1
    wait_reach A a1 c1
    acall B b1 report
    expect_field pubs 3
    expect_field topics ev.a:3
    acall C c1 report
    expect_field pubs 5
    expect_field topics ev.a:3,ev.a.b:2
    # Subscriptions made and ended while running.
    acall B b1 "sub x.>"
    expect_answer rc=0
    wait_reach B b1 a1
    acall A a1 "pub x.y 2"
    wait_report B b1 pubs 5
    acall B b1 "unsub x.>"
    expect_answer rc=0
    wait_reach B b1 a1
    acall A a1 "pub x.y 2"
    wait_reach A a1 b1
    acall B b1 report
    expect_field pubs 5
    expect_field topics ev.a:3,x.y:2
    ;;
pub_dropped)
    # Publications take no credit: a remote subscriber whose mailbox is full misses them, each
    # one counted in its `dropped`; none is both missed and delivered.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest C hostC "$(agent c1 "tag=C sub=ev.>" "$all_caps" '{mailbox: 2}')"
    host_start A "$tmp/A.yaml"
    host_start C "$tmp/C.yaml"
    wait_reach C c1 a1
    spin_ms=$((hb_ms * 10 > 2000 ? hb_ms * 10 : 2000))
    acall A a1 "req c1 1 0 spin:$spin_ms"
    acall A a1 "pub ev.x 20"
    expect_field ok 20
    wait_report A a1 cb_ok 1
    wait_reach A a1 c1
    acall C c1 report
    got=$(field pubs)
    "$wactor" status --json "$tmp/C.yaml" </dev/null >"$tmp/status.json" 2>"$tmp/err" ||
        fail "status: $(cat "$tmp/err")"
    dropped=$(python3 -c 'import json, sys
print([c for c in json.load(open(sys.argv[1]))["components"] if c["name"] == "c1"][0]["dropped"])' \
        "$tmp/status.json") || fail "status --json: $(cat "$tmp/status.json")"
    [ "$dropped" -gt 0 ] || fail "c1 dropped nothing with a full mailbox (got $got)"
    [ $((got + dropped)) -eq 20 ] || fail "c1 got $got and dropped $dropped of 20 publications"
    ;;
replicas)
    # r runs on B and C; b1 on B. A send or request goes to one replica, this host's first; a
    # publication reaches the name r once.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)" "$(agent r "tag=rB sub=rv.>")"
    manifest C hostC "$(agent r "tag=rC sub=rv.>")"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    poll "hostA lists hostB" lists_host A hostB
    poll "hostA lists hostC" lists_host A hostC
    wait_reach A a1 r
    wait_reach B r a1
    wait_reach C r a1
    acall B b1 "call r 0 echo:x"
    expect_answer "OK x@rB"
    acall A a1 "call r 0 echo:x"
    first=$ans
    case $first in "OK x@rB" | "OK x@rC") ;; *) fail "a1's request answered by $first" ;; esac
    for _ in 1 2 3 4 5 6 7 8; do
        acall A a1 "call r 0 echo:x"
        [ "$ans" = "$first" ] || fail "a1's requests went to two replicas: '$first' then '$ans'"
    done
    chosen=B
    [ "$first" = "OK x@rC" ] && chosen=C
    other=C
    [ $chosen = C ] && other=B
    acall A a1 "send r 20"
    expect_field ok 20
    wait_report $chosen r recv 20
    expect_field order_err 0
    acall $other r report
    expect_field recv 0
    acall A a1 "pub rv.k 6"
    expect_field ok 6
    poll "r's replicas got 6 publications between them" sh -c \
        "b=\$('$wactor' call '$tmp/B.yaml' r report | sed -n 's/.* pubs=\([0-9]*\) .*/\1/p');
         c=\$('$wactor' call '$tmp/C.yaml' r report | sed -n 's/.* pubs=\([0-9]*\) .*/\1/p');
         [ \$((b + c)) -eq 6 ]"
    wait_reach A a1 r
    acall B r report
    pb=$(field pubs)
    acall C r report
    pc=$(field pubs)
    [ $((pb + pc)) -eq 6 ] || fail "r got $pb + $pc publications, expected 6 in all"
    # The chosen replica's host leaves: the other one takes a1's requests.
    host_stop $chosen
    poll "a1 reaches the other replica" sh -c \
        "'$wactor' call '$tmp/A.yaml' a1 'call r 5000 echo:x' | grep -qx 'OK x@r$other'"
    ;;
monitor_host_lost)
    # a1 (on A) monitors b1 (on B) twice and takes one reference back; B dies (kill -9): a1
    # gets exactly one `@down b1 host-lost`, and the reference told is no longer demonitorable.
    two_hosts
    acall A a1 "monitor nobody"
    wait_report A a1 down nobody_not-found
    acall A a1 "monitor b1"
    keep=$(field ref)
    [ "$keep" -gt 0 ] || fail "monitor b1: $ans"
    acall A a1 "monitor b1"
    drop=$(field ref)
    [ "$drop" -gt 0 ] || fail "monitor b1: $ans"
    acall A a1 "demonitor $drop"
    expect_answer rc=0
    acall A a1 report
    expect_field downs 1
    host_kill B
    wait_report A a1 down b1_host-lost
    acall A a1 "demonitor $keep"
    expect_answer rc=-3
    acall A a1 report
    expect_field downs 2
    ;;
monitor_stopped)
    # b2 leaves host B's manifest (a reload): a1 (on A) that monitors it gets `@down b2 stopped`
    # once B's next STATE no longer lists it; its monitor of b1, still there, gets nothing.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)" "$(agent b2 tag=B2)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach A a1 b1
    wait_reach A a1 b2
    acall A a1 "monitor b1"
    [ "$(field ref)" -gt 0 ] || fail "monitor b1: $ans"
    acall A a1 "monitor b2"
    [ "$(field ref)" -gt 0 ] || fail "monitor b2: $ans"
    manifest B hostB "$(agent b1 tag=B)"
    kill -HUP "$(host_pid B)"
    wait_report A a1 down b2_stopped
    wait_reach A a1 b1
    acall A a1 report
    expect_field downs 1
    ;;
replica_lost)
    # r runs on B and C. The host of the replica that a1's requests go to dies (kill -9) with 5
    # of them in flight: each fails once ("host lost"), and a1's next requests go to the other.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent r tag=rB)"
    manifest C hostC "$(agent r tag=rC)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    poll "hostA lists hostB" lists_host A hostB
    poll "hostA lists hostC" lists_host A hostC
    wait_reach B r a1
    wait_reach C r a1
    acall A a1 "call r 0 echo:x"
    chosen=B
    other=C
    [ "$ans" = "OK x@rC" ] && chosen=C other=B
    acall A a1 "req r 5 0 defer"
    wait_report $chosen r deferred 5
    host_kill $chosen
    wait_report A a1 cb_failed 5
    expect_field reason host_lost
    expect_field pending 0
    poll "a1 reaches the other replica" sh -c \
        "'$wactor' call '$tmp/A.yaml' a1 'call r 5000 echo:x' | grep -qx 'OK x@r$other'"
    acall A a1 "req r 4 0 echo:y"
    wait_report A a1 cb_ok 4
    expect_field cb_failed 5
    expect_field cb_unknown 0
    ;;
order)
    # a1 (on A) and c1 (on C) send to b1 (on B) at the same time: each sender's order holds.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)"
    manifest C hostC "$(agent c1 tag=C)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    wait_reach A a1 b1
    wait_reach C c1 b1
    for round in 1 2 3; do
        "$wactor" call "$tmp/A.yaml" a1 "send b1 300" >"$tmp/a.out" 2>&1 &
        pa=$!
        "$wactor" call "$tmp/C.yaml" c1 "send b1 300" >"$tmp/c.out" 2>&1 &
        pc=$!
        wait $pa || fail "a1's sends: $(cat "$tmp/a.out")"
        wait $pc || fail "c1's sends: $(cat "$tmp/c.out")"
        grep -q '^ok=300 ' "$tmp/a.out" || fail "a1: $(cat "$tmp/a.out")"
        grep -q '^ok=300 ' "$tmp/c.out" || fail "c1: $(cat "$tmp/c.out")"
        wait_report B b1 recv $((round * 600))
    done
    expect_field order_err 0
    case $(field senders) in
    a1:900,c1:900 | c1:900,a1:900) ;;
    *) fail "senders: $(field senders)" ;;
    esac
    # Requests and sends mixed: the requests are answered in order too (all OK).
    acall A a1 "req b1 100 0 echo:z"
    acall A a1 "send b1 50"
    wait_report B b1 recv 1850
    expect_field order_err 0
    wait_report A a1 cb_ok 100
    ;;
caps)
    # a1 may only send to b1: its host refuses everything else (EDENIED, audit-logged), and
    # nothing reaches B.
    nats_start
    manifest A hostA "$(agent a1 tag=A '{send: ["b1"], subscribe: [">"]}')"
    manifest B hostB "$(agent b1 tag=B)" "$(agent b2 tag=B2)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach B b1 a1
    wait_reach B b2 a1
    poll "b1 gets a1's send" sh -c \
        "'$wactor' call '$tmp/A.yaml' a1 'send b1 1' | grep -q '^ok=1 '"
    acall A a1 "send b2 3"
    expect_answer "ok=0 efull=0 denied=3 notfound=0 other=0"
    acall A a1 "req b1 2 0 echo:x"
    expect_field denied 2
    acall A a1 "pub ev.x 1"
    expect_field denied 1
    grep -q '"component":"a1".*"decision":"denied"' "$tmp/A.log" ||
        fail "host A did not audit a1's refusals"
    acall B b2 report
    expect_field recv 0
    # b1's messages back to a1 are b1's host's business (B grants b1 everything).
    acall B b1 "send a1 2"
    expect_field ok 2
    wait_report A a1 recv 2
    ;;
efull)
    # b1's mailbox holds 4; while b1 is busy, a1 (on A) and c1 (on C) each have at most 4
    # credits (one window per sending host): the rest of their sends fail at once with EFULL on
    # their own host, and every send that was accepted arrives.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B "$all_caps" '{mailbox: 4}')" "$(agent b2 tag=B2)"
    manifest C hostC "$(agent c1 tag=C)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    wait_reach A a1 b1
    wait_reach C c1 b1
    # b1 stays busy long enough for the three calls below, even in a slow (sanitizer) build.
    spin_ms=$((hb_ms * 10 > 4000 ? hb_ms * 10 : 4000))
    acall A a1 "req b1 1 0 spin:$spin_ms"
    acall A a1 "send b1 40"
    ok=$(field ok)
    efull=$(field efull)
    [ $((ok + efull)) -eq 40 ] || fail "a1: send b1 40: $ans"
    [ "$efull" -gt 0 ] || fail "a1: no EFULL with b1's mailbox of 4 busy: $ans"
    [ "$ok" -le 4 ] || fail "a1: more than b1's mailbox bound accepted: $ans"
    acall C c1 "send b1 40"
    okc=$(field ok)
    efullc=$(field efull)
    [ $((okc + efullc)) -eq 40 ] || fail "c1: send b1 40: $ans"
    [ "$efullc" -gt 0 ] || fail "c1: no EFULL with b1's mailbox of 4 busy: $ans"
    [ "$okc" -le 4 ] || fail "c1: more than b1's mailbox bound accepted: $ans"
    # Requests take credit too: none is left while b1 is busy.
    acall A a1 "req b1 5 0 echo:x"
    expect_answer "ok=0 efull=5 denied=0 notfound=0 other=0"
    # b1's mailbox is over its bound with the two windows: a local sender (@host's report)
    # gets EFULL until b1 has worked through them.
    poll "b1 takes a local request again" sh -c "'$wactor' call '$tmp/B.yaml' b1 report 2>/dev/null"
    wait_report B b1 recv $((ok + okc))
    expect_field order_err 0
    # Credits come back once b1 works again.
    poll "a1 has credit for b1 again" sh -c \
        "'$wactor' call '$tmp/A.yaml' a1 'send b1 1' | grep -q '^ok=1 '"
    poll "c1 has credit for b1 again" sh -c \
        "'$wactor' call '$tmp/C.yaml' c1 'send b1 1' | grep -q '^ok=1 '"
    wait_report A a1 cb_ok 1
    wait_report B b1 recv $((ok + okc + 2))
    expect_field order_err 0
    # b2 on the same host was never held up.
    acall A a1 "call b2 0 echo:free"
    expect_answer "OK free@B2"
    ;;
client)
    # A manifest with only `lattice:` is a client: call and send reach components elsewhere.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest client cli
    host_start A "$tmp/A.yaml"
    acall client a1 ping
    expect_answer pong@A
    "$wactor" send "$tmp/client.yaml" a1 "n:1" </dev/null >"$tmp/out" 2>&1 || fail "send: $(cat "$tmp/out")"
    "$wactor" send "$tmp/client.yaml" a1 "n:2" </dev/null >"$tmp/out" 2>&1 || fail "send: $(cat "$tmp/out")"
    # Two client processes are two senders: no order between them to check.
    wait_report A a1 recv 2
    # The exit statuses of a local call hold for a remote one: ERROR 1, TIMEOUT 2.
    "$wactor" call "$tmp/client.yaml" a1 err </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st -eq 1 ] || fail "a remote ERROR exited $st, expected 1: $(cat "$tmp/err")"
    "$wactor" call --timeout 300ms "$tmp/client.yaml" a1 hang </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st -eq 2 ] || fail "a remote TIMEOUT exited $st, expected 2: $(cat "$tmp/err")"
    "$wactor" call --timeout 1s "$tmp/client.yaml" nobody x </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st -eq 3 ] || fail "call of a name nobody runs exited $st, expected 3: $(cat "$tmp/err")"
    "$wactor" send --timeout 1s "$tmp/client.yaml" nobody x </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st -eq 3 ] || fail "send to a name nobody runs exited $st, expected 3: $(cat "$tmp/err")"
    # A server that is not there: one line, not exit 0.
    url=nats://127.0.0.1:1
    manifest nowhere cli2
    "$wactor" call "$tmp/nowhere.yaml" a1 ping </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st -ne 0 ] || fail "call through no server exited 0"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line, got: $(cat "$tmp/err")"
    grep -q '^wactor: .*cannot join lattice' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"
    ;;
hosts)
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)" "$(agent b2 tag=B2)"
    manifest client cli
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    poll "hostA lists hostB" lists_host A hostB
    wait_reach A a1 b2
    acall A a1 "send b1 5"
    wait_report B b1 recv 5
    "$wactor" hosts --json "$tmp/A.yaml" </dev/null >"$tmp/hosts.json" 2>"$tmp/err" ||
        fail "hosts --json: $(cat "$tmp/err")"
    python3 - "$tmp/hosts.json" <<'EOF' || fail "hosts --json: $(cat "$tmp/hosts.json")"
import json, sys
hosts = json.load(open(sys.argv[1]))
assert isinstance(hosts, list), "not an array"
by = {h["name"]: h for h in hosts}
assert set(by) == {"hostA", "hostB"}, sorted(by)
keys = {"name", "self", "last_seen_ms", "sent", "received", "bytes_sent", "bytes_received",
        "lost", "components"}
for h in hosts:
    assert keys <= set(h), sorted(keys - set(h))
assert hosts[0]["name"] == "hostA", "this host is not first"
assert by["hostA"]["self"] is True and by["hostB"]["self"] is False
assert by["hostA"]["components"] == ["a1"], by["hostA"]["components"]
assert by["hostB"]["components"] == ["b1", "b2"], by["hostB"]["components"]
assert by["hostB"]["sent"] >= 5, by["hostB"]
# (answers are counted in bytes, not as messages received)
assert by["hostB"]["bytes_sent"] > 0 and by["hostB"]["bytes_received"] > 0, by["hostB"]
assert by["hostB"]["lost"] == 0, by["hostB"]
EOF
    "$wactor" hosts "$tmp/A.yaml" </dev/null >"$tmp/out" 2>"$tmp/err" || fail "hosts: $(cat "$tmp/err")"
    grep -q hostB "$tmp/out" || fail "hosts does not list hostB: $(cat "$tmp/out")"
    grep -q b2 "$tmp/out" || fail "hosts does not list b2: $(cat "$tmp/out")"
    # A client sees both hosts too.
    "$wactor" hosts --json "$tmp/client.yaml" </dev/null >"$tmp/out" 2>"$tmp/err" ||
        fail "client's hosts: $(cat "$tmp/err")"
    grep -q '"hostA"' "$tmp/out" && grep -q '"hostB"' "$tmp/out" ||
        fail "client's hosts: $(cat "$tmp/out")"
    # status shows the lattice.
    "$wactor" status "$tmp/A.yaml" </dev/null >"$tmp/out" 2>"$tmp/err" || fail "status: $(cat "$tmp/err")"
    grep -qi lattice "$tmp/out" || fail "status shows no lattice: $(cat "$tmp/out")"
    grep -q hostB "$tmp/out" || fail "status does not show hostB: $(cat "$tmp/out")"
    # A host that leaves is no longer listed.
    host_stop B
    poll "hostA no longer lists hostB" sh -c "! '$wactor' hosts '$tmp/A.yaml' | grep -q hostB"
    ;;
top)
    # `wactor top` in a real terminal (tmux) shows the lattice: the other host and its traffic.
    command -v tmux >/dev/null || { echo "SKIP: no tmux"; exit 0; }
    two_hosts
    tmux_socket=$tmp/tmux.sock
    if ! tmux -S "$tmux_socket" new-session -d -s top -x 120 -y 30 \
        "'$wactor' top '$tmp/A.yaml'; echo \$? >'$tmp/top.rc'; sleep 60"; then
        echo "SKIP: tmux cannot start"
        exit 0
    fi
    pane_has() {
        tmux -S "$tmux_socket" capture-pane -p -t top >"$tmp/pane" 2>/dev/null &&
            grep -q -- "$1" "$tmp/pane"
    }
    poll "top shows the lattice" pane_has '^lattice test, this host hostA'
    poll "top shows hostB and b1" pane_has '^hostB .* b1$'
    acall A a1 "send b1 25"
    poll "top counts what hostA sent hostB" sh -c \
        "tmux -S '$tmux_socket' capture-pane -p -t top | grep -Eq '^hostB +[0-9.]+s ago +(2[6-9]|[3-9][0-9]) '"
    tmux -S "$tmux_socket" send-keys -t top q
    poll "top quits" test -s "$tmp/top.rc"
    [ "$(cat "$tmp/top.rc")" = 0 ] || fail "top exited $(cat "$tmp/top.rc")"
    tmux -S "$tmux_socket" kill-server
    ;;
local)
    # Local delivery never touches NATS: a1 and a2 on one host exchange 2,000 messages and 200
    # requests while a watcher counts the frames on the hosts' inboxes.
    nats_start
    manifest A hostA "$(agent a1 tag=A)" "$(agent a2 tag=A2)"
    manifest B hostB "$(agent b1 tag=B)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach A a1 b1
    "$natspub" watch "$nats_url" 'wactor.test.h.*' >"$tmp/watch.out" 2>&1 &
    watch_pid=$!
    bg_pids="$bg_pids $watch_pid"
    poll "the watcher subscribes" grep -q ready "$tmp/watch.out"
    acall A a1 "send a2 2000"
    acall A a1 "req a2 200 0 echo:x"
    wait_report A a2 recv 2000
    wait_report A a1 cb_ok 200
    kill -TERM $watch_pid
    wait $watch_pid
    msgs=$(sed -n 's/^msgs=\([0-9]*\) .*/\1/p' "$tmp/watch.out")
    [ -n "$msgs" ] || fail "watcher: $(cat "$tmp/watch.out")"
    # Heartbeat-paced ACKs may cross meanwhile, never one frame per message.
    [ "$msgs" -lt 500 ] || fail "$msgs frames on the inboxes for 2,400 local messages"
    echo "frames on the inboxes during 2,400 local messages: $msgs"
    ;;
kill9)
    # B dies with 20 of a1's requests in flight: each ends with one FAILED "host lost"; a1's
    # requests to C are untouched and the rest of the system goes on.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)"
    manifest C hostC "$(agent c1 tag=C)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    wait_reach A a1 b1
    wait_reach A a1 c1
    acall A a1 "req b1 20 0 defer"
    acall A a1 "req c1 5 0 defer"
    wait_report B b1 deferred 20
    wait_report C c1 deferred 5
    host_kill B
    wait_report A a1 cb_failed 20
    expect_field reason host_lost
    expect_field pending 5
    expect_field cb_unknown 0
    poll "hostA no longer lists hostB" sh -c "! '$wactor' hosts '$tmp/A.yaml' | grep -q hostB"
    acall C c1 answer
    expect_answer answered=5
    wait_report A a1 cb_ok 5
    expect_field pending 0
    expect_field cb_failed 20
    expect_field cb_unknown 0
    acall A a1 "call c1 0 echo:on"
    expect_answer "OK on@C"
    acall A a1 "send b1 1"
    expect_field notfound 1
    acall A a1 report
    expect_field cb_failed 20
    expect_field cb_unknown 0
    ;;
host_leaves)
    # B stops gracefully (SIGTERM) with 8 of a1's requests waiting in b1: each ends with
    # exactly one FAILED, B exits 0, and a1 goes on with C.
    nats_start
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)"
    manifest C hostC "$(agent c1 tag=C)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    host_start C "$tmp/C.yaml"
    wait_reach A a1 b1
    wait_reach A a1 c1
    acall A a1 "req b1 8 0 defer"
    wait_report B b1 deferred 8
    host_stop B
    wait_report A a1 cb_failed 8
    expect_field pending 0
    expect_field cb_unknown 0
    echo "reason given: $(field reason)"
    poll "hostA no longer lists hostB" sh -c "! '$wactor' hosts '$tmp/A.yaml' | grep -q hostB"
    acall A a1 "call c1 0 echo:on"
    expect_answer "OK on@C"
    acall A a1 report
    expect_field cb_failed 8
    expect_field cb_unknown 0
    ;;
host_returns)
    # B is killed and started again at once, as a new instance of the same host name: A loses
    # the old one (its requests fail once), meets the new one, and a1 reaches b1 again; in the
    # end A lists hostB once.
    two_hosts
    acall A a1 "req b1 4 0 defer"
    wait_report B b1 deferred 4
    host_kill B
    host_start B "$tmp/B.yaml"
    wait_report A a1 cb_failed 4
    expect_field pending 0
    wait_reach A a1 b1
    wait_reach B b1 a1
    acall A a1 "send b1 5"
    expect_field ok 5
    wait_report B b1 recv 5
    expect_field order_err 0
    poll "hostA lists hostB once" sh -c "[ \$('$wactor' hosts '$tmp/A.yaml' | grep -c '^hostB ') -eq 1 ]"
    acall A a1 report
    expect_field cb_failed 4
    expect_field cb_unknown 0
    ;;
nats_restart)
    # The server is killed and started again twice while a1 sends and requests to b1: the
    # hosts reconnect by themselves; every send a1 was told OK arrives once, in order, and
    # every request ends in one callback, OK.
    # LATTICE_TEST_LOAD (default 20): messages per send call of the load.
    load=${LATTICE_TEST_LOAD:-20}
    two_hosts
    : >"$tmp/load.out"
    (
        while [ ! -e "$tmp/load.stop" ]; do
            "$wactor" call "$tmp/A.yaml" a1 "send b1 $load" </dev/null >>"$tmp/load.out" 2>&1 || exit 1
            echo >>"$tmp/load.out"
            "$wactor" call "$tmp/A.yaml" a1 "req b1 5 0 echo:x" </dev/null >>"$tmp/load.out" 2>&1 || exit 1
            echo >>"$tmp/load.out"
        done
    ) &
    load_pid=$!
    poll "load under way" sh -c "[ \$(grep -c '^ok=' '$tmp/load.out') -ge 6 ]"
    for restart in 1 2; do
        before=$(grep -c '^ok=' "$tmp/load.out")
        nats_restart
        poll "load goes on after restart $restart" sh -c \
            "[ \$(grep -c '^ok=' '$tmp/load.out') -ge $((before + 6)) ]"
        wait_reach A a1 b1
        wait_reach B b1 a1
    done
    touch "$tmp/load.stop"
    wait $load_pid || fail "the load's calls failed: $(tail -n 5 "$tmp/load.out")"
    grep -v '^$' "$tmp/load.out" | grep -v '^ok=' && fail "unexpected answers in the load"
    sends=$(grep '^ok=' "$tmp/load.out" | awk -F'[= ]' 'NR % 2 == 1 {s += $2} END {print s + 0}')
    reqs=$(grep '^ok=' "$tmp/load.out" | awk -F'[= ]' 'NR % 2 == 0 {s += $2} END {print s + 0}')
    wait_report B b1 recv "$sends"
    expect_field order_err 0
    wait_report A a1 pending 0
    expect_field cb_ok "$reqs"
    expect_field cb_failed 0
    expect_field cb_unknown 0
    # Neither host lost the other, nor anything it sent.
    [ "$(host_field A hostB lost)" = 0 ] || fail "hostA counts messages lost to hostB"
    [ "$(host_field B hostA lost)" = 0 ] || fail "hostB counts messages lost to hostA"
    ;;
nats_outage)
    # The server is gone for longer than 3 heartbeats: a host cut off from the server keeps its
    # peers. Requests pending across the outage, answers given and sends made during it, all
    # arrive once the server is back; nobody is declared lost.
    two_hosts
    acall A a1 "req b1 5 0 defer"
    wait_report B b1 deferred 5
    nats_kill
    acall B b1 answer
    expect_answer answered=5
    acall A a1 "send b1 10"
    expect_field ok 10
    # Not a synchronisation: the outage must outlast 3 heartbeats (5 of them, here).
    sleep "$(awk -v ms="$hb_ms" 'BEGIN {print ms * 5 / 1000}')"
    nats_start
    wait_report A a1 cb_ok 5
    expect_field cb_failed 0
    expect_field pending 0
    wait_report B b1 recv 10
    expect_field order_err 0
    grep -q 'lost' "$tmp/A.log" "$tmp/B.log" && fail "a host was declared lost during the outage"
    [ "$(host_field A hostB lost)" = 0 ] || fail "hostA counts messages lost to hostB"
    ;;
sigstop)
    # B is stopped for longer than 3 heartbeats: A fails its requests toward it with
    # "host lost"; once B goes on, both work together again.
    two_hosts
    acall A a1 "req b1 10 0 defer"
    wait_report B b1 deferred 10
    acall B b1 "req a1 3 0 defer"
    wait_report A a1 deferred 3
    kill -STOP "$(host_pid B)"
    # Sent while B cannot take them: accepted (B is not lost yet), then counted lost with B.
    acall A a1 "send b1 6"
    expect_field ok 6
    wait_report A a1 cb_failed 10
    expect_field reason host_lost
    expect_field pending 0
    poll "hostA logs what hostB took with it" grep -q '6 message.* hostB .*lost' "$tmp/A.log"
    poll "hostA no longer lists hostB" sh -c "! '$wactor' hosts '$tmp/A.yaml' | grep -q hostB"
    kill -CONT "$(host_pid B)"
    # The answers to requests A already failed are dropped; nothing is called back twice.
    acall B b1 answer
    expect_answer answered=10
    wait_reach A a1 b1
    wait_reach B b1 a1
    # The 6 sends hostA counted lost (it never saw them acknowledged) may have reached b1 when
    # B resumed (they waited in its socket): either all or none, never some.
    acall B b1 report
    early=$(field recv)
    case $early in 0 | 6) ;; *) fail "b1 got $early of the 6 sends made while it was stopped" ;; esac
    # b1's requests to a1 went on the link A dropped when it lost B: A's RESET made B fail
    # them ("host lost").
    wait_report B b1 cb_failed 3
    expect_field reason host_lost
    expect_field pending 0
    acall B b1 reset
    acall A a1 "send b1 10"
    expect_field ok 10
    wait_report B b1 recv 10
    # In order after the 6; a gap only if the 6 never came.
    [ "$(field order_err)" = "$([ "$early" = 6 ] && echo 0 || echo 1)" ] ||
        fail "b1's order after resuming: $ans"
    acall A a1 report
    expect_field cb_failed 10
    expect_field cb_ok 0
    expect_field cb_unknown 0
    poll "hostA lists hostB again" lists_host A hostB
    [ "$(host_field A hostB lost)" = 6 ] || fail "hostA does not show the 6 messages hostB took"
    # a1's late answers to b1's failed requests find nothing.
    acall A a1 answer
    expect_answer answered=3
    wait_reach A a1 b1
    acall B b1 report
    expect_field cb_ok 0
    expect_field cb_unknown 0
    ;;
sizes)
    # Sizes are checked on both sides: A allows 64 KiB, B only 1 KiB. A message B cannot take is
    # refused (ETOOBIG on A), or dropped on B (counted, logged); either way what follows it
    # between the two hosts still flows.
    nats_start
    runtime_lines='  max_message: 64KiB'
    manifest A hostA "$(agent a1 tag=A)"
    runtime_lines='  max_message: 1KiB'
    manifest B hostB "$(agent b1 tag=B)"
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach A a1 b1
    wait_reach B b1 a1
    acall B b1 "send a1 1 2000"
    expect_answer "ok=0 efull=0 denied=0 notfound=0 toobig=1 other=0"
    acall A a1 "send b1 1 500"
    expect_field ok 1
    acall A a1 "send b1 1 2000"
    case $ans in
    "ok=1 "* | *"toobig=1"*) ;;
    *) fail "a 2000-byte send to b1: $ans" ;;
    esac
    acall A a1 "send b1 3"
    expect_field ok 3
    wait_reach A a1 b1
    wait_reach B b1 a1
    acall B b1 report
    case $(field senders) in
    a1:4 | a1:5) ;;
    *) fail "b1 did not get a1's messages around the large one: $ans" ;;
    esac
    ;;
garbage)
    # Hostile frames on the heartbeat subject and on both hosts' inboxes, one of them larger
    # than any frame may be: dropped, and the lattice goes on. A well-formed SEND claiming to
    # be from b1, sent by an instance that announced nothing, never reaches a1.
    printf 'max_payload: 4194304\n' >"$tmp/nats.conf"
    nats_start -c "$tmp/nats.conf"
    runtime_lines='  max_message: 64KiB'
    two_hosts
    acall A a1 reset
    "$natspub" garbage "$nats_url" test 2 1048576 >"$tmp/garbage.out" 2>&1 ||
        fail "natspub: $(cat "$tmp/garbage.out")"
    grep -q '^done$' "$tmp/garbage.out" || fail "natspub: $(cat "$tmp/garbage.out")"
    kill -0 "$(host_pid A)" || fail "host A died"
    kill -0 "$(host_pid B)" || fail "host B died"
    wait_reach A a1 b1
    wait_reach B b1 a1
    acall A a1 report
    expect_field recv 0
    acall B b1 "send a1 10"
    wait_report A a1 recv 10
    expect_field order_err 0
    expect_field senders b1:10
    acall A a1 "send b1 10"
    wait_report B b1 recv 10
    poll "hostA lists hostB" lists_host A hostB
    # Dropped frames are counted and logged (rate-limited).
    grep -qi 'drop' "$tmp/A.log" || fail "host A logged no dropped frame"
    grep -qi 'drop' "$tmp/B.log" || fail "host B logged no dropped frame"
    ;;
auth)
    # The server requires a user: a host without it is refused (an error that says so), one
    # with it (in the URL) joins and is reached.
    nats_start --user wuser --pass wsecret
    manifest A hostA "$(agent a1 tag=A)"
    : >"$tmp/A.log"
    "$wactor" run "$tmp/A.yaml" </dev/null >/dev/null 2>"$tmp/A.log" &
    host_pid_A=$!
    bg_pids="$bg_pids $host_pid_A"
    host_ids="$host_ids A"
    # Refused: it exits with an error, or goes on retrying and logs why (authorization).
    poll "host A without credentials is refused" sh -c \
        "! kill -0 $host_pid_A 2>/dev/null || grep -qi auth '$tmp/A.log'"
    grep -q 'joined as' "$tmp/A.log" && fail "host A joined without credentials"
    if kill -0 "$host_pid_A" 2>/dev/null; then
        host_stop A
    else
        wait "$host_pid_A"
        st=$?
        [ $st -ne 0 ] || fail "host A refused, but exited 0"
        grep -q '^wactor: .*lattice' "$tmp/A.log" || fail "no error about the lattice: $(cat "$tmp/A.log")"
    fi
    grep -qi auth "$tmp/A.log" || echo "note: host A's refusal does not say 'auth': $(cat "$tmp/A.log")"
    manifest noauth cli0
    "$wactor" call "$tmp/noauth.yaml" a1 ping </dev/null >"$tmp/out" 2>"$tmp/err"
    [ $? -ne 0 ] || fail "a client without credentials got through"
    url="nats://wuser:wsecret@127.0.0.1:$nats_port"
    manifest A hostA "$(agent a1 tag=A)"
    manifest B hostB "$(agent b1 tag=B)"
    manifest client cli
    host_start A "$tmp/A.yaml"
    host_start B "$tmp/B.yaml"
    wait_reach A a1 b1
    acall client b1 ping
    expect_answer pong@B
    # A wrong password is refused too.
    url="nats://wuser:wrong@127.0.0.1:$nats_port"
    manifest bad cli3
    "$wactor" call "$tmp/bad.yaml" b1 ping </dev/null >"$tmp/out" 2>"$tmp/err"
    [ $? -ne 0 ] || fail "a call with a wrong password succeeded"
    ;;
*)
    fail "no case named $case_name"
    ;;
esac
hosts_finish
echo "PASS lattice.$case_name"
exit 0
