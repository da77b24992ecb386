#!/bin/sh
# AssemblyScript components (sdk/assemblyscript) through the real `wactor` binary, one case per
# ctest test. Usage: as_test.sh CASE WACTOR AS_GUESTS EXAMPLES_DIR
# AS_GUESTS holds component_a.wasm and component_b.wasm (tests/assemblyscript/*.ts);
# EXAMPLES_DIR is build/examples (the C pong, and assemblyscript/pingpong).
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

a_says() {
    run "$wactor" call "$tmp/ab.yaml" component-a "$1"
    expect_status 0
    expect_stdout "$2"
}

cat >"$tmp/agent.yaml" <<YAML
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

agent_says() {
    run "$wactor" call "$tmp/agent.yaml" agent "$1"
    expect_status 0
    expect_stdout "$2"
}

case $case_name in
end_to_end_message_flow)
    a_says 'flow hello, wörld' 'OK from component-a: hello, wörld'
    ;;
request_response_callback)
    run "$wactor" call "$tmp/ab.yaml" component-a 'request the answer'
    expect_status 0
    grep -Eqx 'match id=[1-9][0-9]* OK the answer' "$out" || fail "callback did not match"
    ;;
message_isolation)
    a_says isolation 'OK nothing'
    ;;
request_timeout)
    a_says timeout 'TIMEOUT'
    ;;
request_failed)
    # component-b throws: AssemblyScript's abort is logged, the component crashes.
    a_says crash 'FAILED crashed: unreachable'
    grep -q "component-b: abort: asked to abort" "$err" || fail "the abort is not logged"
    ;;
c_interop)
    # AssemblyScript asks C, and the C ping rallies with the AssemblyScript pong.
    a_says 'pong 7' 'OK pong 7'
    cat >"$tmp/mixed.yaml" <<YAML
components:
  ping:
    wasm: $examples/pingpong/ping.wasm
    capabilities: {request: [pong]}
  pong:
    wasm: $examples/assemblyscript/pingpong/pong.wasm
YAML
    run "$wactor" call "$tmp/mixed.yaml" ping 4
    expect_status 0
    expect_stdout 'ping: 4 pongs'
    ;;
examples)
    run "$wactor" call --log-level info "$examples/assemblyscript/pingpong/wactor.yaml" ping 3
    expect_status 0
    expect_stdout 'ping: 3 pongs'
    grep -qx 'wactor: info ping: pong 3' "$err" || fail "ping's log line is missing"
    run "$wactor" call "$examples/assemblyscript/pingpong/wactor.yaml" ping abc
    expect_status 1
    expect_stdout 'ping: the payload must be a count from 1 to 100000'
    run "$wactor" call "$examples/assemblyscript/fanout/wactor.yaml" front 'héllo 😀'
    expect_status 0
    expect_stdout 'a:HéLLO 😀|b:😀 olléh'
    # A worker with a bad config fails to start; front answers ERROR with the reason.
    sed -e 's/config: reverse/config: sideways/' \
        -e "s|wasm: |wasm: $examples/assemblyscript/fanout/|" \
        "$examples/assemblyscript/fanout/wactor.yaml" >"$tmp/bad.yaml"
    run "$wactor" call "$tmp/bad.yaml" front hello
    expect_status 1
    grep -q 'front: workers.b answered FAILED' "$out" || fail "front did not report the worker"
    ;;
services)
    agent_says kv 'blue green OK ENOTFOUND null/ENOTFOUND'
    agent_says config 'agent blue sky'
    # Every refused call with its Code: send to no one, a malformed name, no request grant,
    # not subscribed, an empty key, state outside an upgrade, no such pending request, no spawn
    # grant, not a child, no such monitor, state outside an upgrade, no http grant; no header.
    agent_says errors 'ENOTFOUND EINVAL EDENIED ENOTFOUND EINVAL null/ESTATE ENOTFOUND EDENIED ENOTFOUND ENOTFOUND ESTATE EDENIED null'
    agent_says timer 'from agent topic : tick'
    agent_says pubsub 'from agent topic news.today: extra'
    agent_says monitor 'from @down topic : ghost not-found'
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok $case_name"
