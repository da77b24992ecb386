#!/usr/bin/env bash
# Convert the spec tests of the WebAssembly proposals wactor implements beyond 2.0
# (SHARED/testsuite/proposals/<proposal>/*.wast) into wabt's JSON command format, next to
# those of shared/testsuite/convert.sh: OUTDIR/<name>/<name>.json and its modules.
#
# Usage: convert-proposals.sh SHARED_TESTSUITE OUTDIR
# Each proposal is converted with its wast2json flag; the runner needs nothing else.
set -u
set -o pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 SHARED_TESTSUITE OUTDIR" >&2
    exit 2
fi
suite=$1
mkdir -p "$2" || exit 2
out=$(cd "$2" && pwd) || exit 2
w2j=${WAST2JSON:-wast2json}

# proposal folder, then the wast2json flag that enables it
proposals=("tail-call --enable-tail-call")

status=0
for entry in "${proposals[@]}"; do
    read -r dir flag <<<"$entry"
    for src in "$suite/proposals/$dir"/*.wast; do
        [ -e "$src" ] || continue
        name=$(basename "$src" .wast)
        rm -rf -- "${out:?}/$name"
        mkdir -p -- "$out/$name" || exit 2
        if ! (cd "$(dirname "$src")" && "$w2j" $flag "$name.wast" -o "$out/$name/$name.json"); then
            echo "FAILED: $src" >&2
            status=1
        fi
    done
done
exit $status
