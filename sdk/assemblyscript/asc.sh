#!/bin/sh
# asc.sh OUT.wasm SOURCE.ts: compiles one AssemblyScript component with the SDK's flags, using
# the compiler that `npm ci` installed into this folder's node_modules (package-lock.json pins
# it; scripts/install-deps.sh runs it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
src=$(realpath "$2")
# asc names a file by its path relative to the current folder, without the extension: compile
# from the component's folder, so that the abort handler's name is that of the SDK's import.
cd "$(dirname "$src")"
sdk=$(realpath --relative-to=. "$here/wactor")
exec node "$here/node_modules/assemblyscript/bin/asc.js" "$(basename "$src")" -o "$out" \
    --optimize --noAssert --runtime incremental --exportStart _initialize \
    --use "abort=$sdk/wactorAbort"
