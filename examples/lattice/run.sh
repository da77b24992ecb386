#!/bin/sh
# The lattice example (examples/README.md, "lattice"): a NATS server on a free loopback port, two
# `wactor run` hosts of lattice `shop` as separate processes (front on one, pricing on the
# other), a request that crosses hosts, a pure client, `wactor hosts`, then everything stopped.
# Usage: examples/lattice/run.sh [BUILD_DIR]   (default: build; `make` builds the modules)
# Needs nats-server (Debian: nats-server; scripts/install-deps.sh installs it).
# Exits non-zero if any step does not give what it should (ctest runs it as lattice.example).
set -u
build=${1:-build}
wactor=$build/wactor
example=$build/examples/lattice
nats=${NATS_SERVER:-nats-server}
command -v "$nats" >/dev/null || nats=/usr/sbin/nats-server
[ -x "$wactor" ] && [ -f "$example/storefront.wasm" ] || { echo "run.sh: build first (make)" >&2; exit 2; }

work=$(mktemp -d) || exit 1
pids=
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM # through exit: the EXIT trap still stops everything
die() {
    echo "run.sh: $*" >&2
    for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
    exit 1
}
# until_ok SECONDS CMD...: polls CMD until it succeeds.
until_ok() {
    end=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -le "$end" ] || return 1
        sleep 0.05
    done
}

# The server picks a free port (-p -1) and writes it to its ports file.
"$nats" -a 127.0.0.1 -p -1 --ports_file_dir "$work" -l "$work/nats.log" &
pids="$pids $!"
ports=$work/nats-server_$!.ports
until_ok 20 test -s "$ports" || die "nats-server did not start"
port=$(sed -n 's|.*nats://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$ports")
echo "== nats-server listening on 127.0.0.1:$port"

# The manifests name nats://127.0.0.1:4222; this run uses the port the server picked.
cp "$example"/*.wasm "$work/"
for m in front pricing client; do
    sed "s|nats://127.0.0.1:4222|nats://127.0.0.1:$port|" "$example/$m.yaml" >"$work/$m.yaml"
done

for host in pricing front; do
    echo "== wactor run $host.yaml"
    "$wactor" run "$work/$host.yaml" </dev/null >/dev/null 2>"$work/$host.log" &
    pids="$pids $!"
    until_ok 30 grep -q 'joined as' "$work/$host.log" || die "host $host did not join"
    grep '^wactor: lattice .* joined as' "$work/$host.log"
done
until_ok 30 sh -c "'$wactor' hosts '$work/front.yaml' | grep -q pricing" ||
    die "the front host never heard of the pricing host"

echo "== wactor call front.yaml front 'quote apple'    (front on host front asks pricing on host pricing)"
answer=$("$wactor" call "$work/front.yaml" front "quote apple") || die "the call failed"
echo "$answer"
case $answer in *"priced on pricing-host"*) ;; *) die "unexpected answer: $answer" ;; esac

echo "== wactor call client.yaml pricing pear    (a manifest with only lattice: is a client)"
answer=$("$wactor" call "$work/client.yaml" pricing pear) || die "the client's call failed"
echo "$answer"
case $answer in "pear: "*) ;; *) die "unexpected answer: $answer" ;; esac

echo "== wactor hosts front.yaml"
"$wactor" hosts "$work/front.yaml" || die "wactor hosts failed"

echo "== stopping both hosts and the server"
for p in $pids; do kill -TERM "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
pids=
echo "done"
