#!/bin/sh
# Installs what wactor needs to build and test on Debian 12, only when missing.
# (tmux: the control tests run `wactor top` in a real terminal; nats-server and libnats-dev:
# the lattice, its tests and benchmarks; libcurl4-openssl-dev: the HTTP client; libmicrohttpd-dev:
# the HTTP server and the HTTP tests' origin server; prometheus: promtool checks /metrics;
# chromium: the dashboard test loads the page in a headless browser; curl: the HTTP tests'
# client; wrk: make bench-http's load generator; rustc, cargo and libstd-rust-dev-wasm32: Rust
# components (sdk/rust), built with /usr/bin/rustc, never a rustup toolchain on PATH; nodejs and
# npm: the AssemblyScript compiler, installed from npm as pinned by
# sdk/assemblyscript/package-lock.json into sdk/assemblyscript/node_modules; dpkg-dev: make
# check-programs unpacks Debian source packages with dpkg-source; libssl-dev: the AOT tier hashes
# modules with libcrypto's SHA-256; tcl: make bench-programs makes SQLite's amalgamation with
# tclsh.)
# Idempotent: a machine that already has everything runs no apt-get at all.
set -eu

# clang's sanitizer runtimes (ASan, UBSan, TSan, libFuzzer) are in libclang-rt-14-dev on
# Debian 12; llvm gives llvm-symbolizer, which turns sanitizer reports' addresses into
# file:line.

need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in cmake make gcc clang lld wabt wasi-libc libclang-rt-14-dev libclang-rt-14-dev-wasm32 llvm libyaml-dev libsqlite3-dev tmux nats-server libnats-dev pkg-config libcurl4-openssl-dev libmicrohttpd-dev prometheus chromium curl wrk rustc cargo libstd-rust-dev-wasm32 dpkg-dev libssl-dev tcl; do
    have_pkg "$p" || need="$need $p"
done
# node and npm may come from another package of the same names' provider (e.g. nodesource's
# nodejs bundles npm): only the commands matter.
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"

if [ -n "$need" ]; then
    echo "install-deps: installing$need"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
fi

# The AssemblyScript compiler, exactly the version of the lock file (cmake finds it there).
as_dir="$(dirname "$0")/../sdk/assemblyscript"
if [ ! -f "$as_dir/node_modules/assemblyscript/package.json" ]; then
    echo "install-deps: npm ci in sdk/assemblyscript"
    (cd "$as_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
