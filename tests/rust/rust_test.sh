#!/bin/sh
# Rust components (sdk/rust) through the real `wactor` binary, one case per ctest test.
# Usage: rust_test.sh CASE WACTOR RUST_GUESTS EXAMPLES_DIR
# RUST_GUESTS holds component_a.wasm, component_b.wasm and agent.wasm (tests/rust/*.rs);
# EXAMPLES_DIR is build/examples, with the C examples and the Rust ones in rust/.
set -u

case_name=$1
wactor=$2
guests=$3
examples=$4

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/../cli/lib.sh"

# The reference plan's pair: component-a asks, component-b (and component-c, the same module)
# receives; pong is the C example's, for the interop case.
cat >"$tmp/ab.yaml" <<YAML
components:
  component-a:
    wasm: $guests/component_a.wasm
    capabilities:
      send: [component-b]
      request: [component-b, component-c, pong]
  component-b:
    wasm: $guests/component_b.wasm
  component-c:
    wasm: $guests/component_b.wasm
  pong:
    wasm: $examples/pingpong/pong.wasm
YAML

cat >"$tmp/agent.yaml" <<YAML
runtime:
  storage: $tmp/data
components:
  agent:
    wasm: $guests/agent.wasm
    config: "blue sky"
    capabilities:
      send: [nobody]
      publish: ["news.*"]
      subscribe: ["news.*"]
      storage: 1MiB
  forbidden:
    wasm: $guests/agent.wasm
YAML

# a_says SCENARIO EXPECTED: component-a's answer to the scenario is exactly EXPECTED.
a_says() {
    run "$wactor" call "$tmp/ab.yaml" component-a "$1"
    expect_status 0
    expect_stdout "$2"
}

agent_says() {
    run "$wactor" call "$tmp/agent.yaml" agent "$1"
    expect_status 0
    expect_stdout "$2"
}

case $case_name in
end_to_end_message_flow)
    # A sends to B; B's handler sees the sender component-a and the exact payload (bytes
    # outside ASCII included), which B reports back to A's next request.
    a_says 'flow hello, wörld  two spaces' 'OK from component-a: hello, wörld  two spaces'
    ;;
request_response_callback)
    # A requests, B answers; A's callback gets the id that request returned, and the payload.
    run "$wactor" call "$tmp/ab.yaml" component-a 'request the answer'
    expect_status 0
    grep -Eqx 'match id=[1-9][0-9]* OK the answer' "$out" || fail "callback did not match"
    ;;
message_isolation)
    # A message to B never reaches C, which runs the very same module.
    a_says isolation 'OK nothing'
    ;;
request_timeout)
    # B never answers "ignore": A's callback gets TIMEOUT after its 100 ms.
    a_says timeout 'TIMEOUT'
    ;;
request_failed)
    # B panics while handling the request: A's callback gets FAILED with the crash's reason,
    # and the panic's message is in the log.
    a_says crash 'FAILED crashed: unreachable'
    grep -q "component-b: panic: .*asked to panic" "$err" || fail "the panic is not logged"
    # B restarted: it answers again.
    a_says 'request again' 'match id=2 OK again'
    ;;
c_interop)
    # A Rust component asks a C one ...
    a_says 'pong 7' 'OK pong 7'
    # ... and the C ping rallies with the Rust pong, the Rust ping with the C pong.
    cat >"$tmp/mixed.yaml" <<YAML
components:
  ping:
    wasm: $examples/pingpong/ping.wasm
    capabilities: {request: [pong]}
  pong:
    wasm: $examples/rust/pingpong/pong.wasm
YAML
    run "$wactor" call "$tmp/mixed.yaml" ping 4
    expect_status 0
    expect_stdout 'ping: 4 pongs'
    sed -e "s|$examples/pingpong/ping.wasm|$examples/rust/pingpong/ping.wasm|" \
        -e "s|$examples/rust/pingpong/pong.wasm|$examples/pingpong/pong.wasm|" \
        "$tmp/mixed.yaml" >"$tmp/mixed2.yaml"
    run "$wactor" call "$tmp/mixed2.yaml" ping 4
    expect_status 0
    expect_stdout 'ping: 4 pongs'
    ;;
examples)
    # The Rust examples answer exactly as the C ones do.
    run "$wactor" call --log-level info "$examples/rust/pingpong/wactor.yaml" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    grep -qx 'wactor: info ping: pong 3' "$err" || fail "ping's log line is missing"
    run "$wactor" call "$examples/rust/pingpong/wactor.yaml" ping abc
    expect_status 1
    expect_stdout 'ping: the payload must be a count from 1 to 100000'
    run "$wactor" call "$examples/rust/fanout/wactor.yaml" front 'héllo'
    expect_status 0
    expect_stdout 'a:HéLLO|b:olléh'
    run "$wactor" call "$examples/rust/echo/wactor.yaml" echo 'cargo built me'
    expect_status 0
    expect_stdout 'cargo built me'
    ;;
services)
    agent_says config 'agent blue sky'
    # Each refused call's Error variant and its ABI code: no such target, a malformed name,
    # no capability, not subscribed, an empty key, state_load outside an upgrade.
    agent_says errors 'NotFound=-3 Invalid=-1 Denied=-2 NotFound=-3 Invalid=-1 State=-7'
    agent_says timer 'from agent topic None: tick'
    agent_says pubsub 'from agent topic Some("news.today"): extra'
    agent_says monitor 'from @down topic None: ghost not-found'
    ;;
storage)
    agent_says kv 'blue green true false None'
    # The storage survives the runtime: a second run counts on.
    agent_says stored 1
    agent_says stored 2
    ;;
handler_error)
    # A handler's Err answers the request ERROR with the error's text.
    run "$wactor" call "$tmp/agent.yaml" agent fail
    expect_status 1
    expect_one_error_line "answered ERROR: storage quota exceeded (EQUOTA)"
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok $case_name"
