#!/bin/sh
# The parts include only what docs/ARCHITECTURE.md ("Who may include whom") allows: each
# folder's quoted includes against its list. Include directories already keep most edges out;
# this catches what they cannot (a layer that sees include/ for wactor_codes.h must not take
# wactor.h from there).
# Usage: layering.sh SOURCE_DIR
set -u
src=$1/src
status=0
check() { # folder allowed-headers...
    dir=$1
    shift
    for h in $(grep -rh '^#include "' "$src/$dir" | sed 's/^#include "\([^"]*\)".*/\1/' | sort -u); do
        ok=no
        for a in "$@"; do [ "$h" = "$a" ] && ok=yes; done
        # A folder's own headers.
        [ -e "$src/$dir/$h" ] && ok=yes
        if [ $ok = no ]; then
            echo "src/$dir includes \"$h\", which it may not"
            status=1
        fi
    done
}
check rt
check wasm
check wasi wasm.h
check msg rt.h wactor_codes.h
check store wactor_codes.h
check manifest name.h
check host wactor.h wactor_codes.h msg.h name.h rt.h store.h wasi.h wasm.h aot.h
check control wactor.h
check cli wactor.h manifest.h control.h http.h observe.h wasm.h wasi.h aot.h
# The ahead-of-time tier reads the engine's internals; nothing but the CLI and the host knows it.
check aot wasm.h module.h code.h instance.h numeric.h simd_list.h simd_call.h
check lattice wactor.h wactor_codes.h msg.h name.h rt.h extend.h nats/nats.h
check httpclient wactor.h wactor_codes.h msg.h rt.h extend.h
check observe wactor.h
# HTTP in: a client of the public API, like the control socket (+ src/observe's pages).
check http wactor.h microhttpd.h observe.h
# Nothing below the lattice or the HTTP client knows them: no other part includes their headers.
for dir in rt wasm wasi msg store manifest host control http; do
    if grep -rqE '^#include [<"](lattice/)?(lattice|wire)\.h' "$src/$dir"; then
        echo "src/$dir includes src/lattice, which it may not"
        status=1
    fi
    if grep -rqE '^#include [<"](httpclient/)?client\.h|curl/' "$src/$dir"; then
        echo "src/$dir includes src/httpclient or libcurl, which it may not"
        status=1
    fi
done
# Nothing but the CLI starts the HTTP server: no other part includes its header.
for dir in rt wasm wasi msg store manifest host control lattice httpclient; do
    if grep -rqE '^#include [<"](http/)?http\.h[">]' "$src/$dir"; then
        echo "src/$dir includes src/http, which it may not"
        status=1
    fi
done
# The engine and the layers beside it know nothing of the ahead-of-time tier above the engine.
for dir in rt wasm wasi msg store manifest control lattice httpclient http observe; do
    if grep -rqE '^#include [<"](aot/)?(aot|abi)\.h[">]' "$src/$dir"; then
        echo "src/$dir includes src/aot, which it may not"
        status=1
    fi
done
[ $status -eq 0 ] && echo "ok: every part includes only what it may"
exit $status
