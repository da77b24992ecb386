#!/bin/sh
# WASI tests through `wactor exec`, one case per ctest test.
# Usage: wasi_test.sh CASE WACTOR GUEST_DIR
# GUEST_DIR holds the guests of tests/wasi (files.wasm, escape.wasm, all_imports.wasm).
set -u

case_name=$1
wactor=$2
guests=$3

tmp=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/../cli/lib.sh"

# The box the hostile guest is locked in, with the links it tries to leave by.
make_box() {
    mkdir -p "$tmp/box/sub"
    printf 'secret\n' >"$tmp/secret.txt"
    printf 'ok\n' >"$tmp/box/ok.txt"
    printf 'inner\n' >"$tmp/box/sub/inner.txt"
    ln -s .. "$tmp/box/up"
    ln -s / "$tmp/box/abs"
    ln -s ../created.txt "$tmp/box/dangle"
    ln -s sub "$tmp/box/in"
}

check_box() {
    [ -f "$tmp/secret.txt" ] || fail "the secret was removed"
    [ ! -e "$tmp/created.txt" ] || fail "a file was created outside the box"
    [ ! -e "$tmp/evil" ] || fail "a directory was made outside the box"
    [ ! -e "$tmp/stolen.txt" ] || fail "a file was renamed out of the box"
    [ -f "$tmp/box/ok.txt" ] || fail "ok.txt is gone"
}

case $case_name in
all_imports)
    # Every preview1 function links; the senseless ones answer their documented errno.
    run "$wactor" exec "$guests/all_imports.wasm"
    expect_status 0
    ;;
unknown_import)
    run "$wactor" exec "$guests/unknown_wasi.wasm"
    expect_status 4
    expect_one_error_line "unknown import wasi_snapshot_preview1.no_such_call (func): wasi_snapshot_preview1 has no such function"
    run "$wactor" exec "$guests/unknown_module.wasm"
    expect_status 4
    expect_one_error_line "unknown import env.something (func): wactor exec links only wasi_snapshot_preview1 imports, not module env"
    ;;
files)
    mkdir "$tmp/data"
    printf 'input\n' | "$wactor" exec --dir "$tmp/data::data" "$guests/files.wasm" >"$out" 2>"$err"
    status=$?
    cat "$out"
    expect_status 0
    ! grep -q FAILED "$out" || fail "a file check failed"
    [ "$(cat "$tmp/data/a.txt")" = "$(printf 'hello XY\nmore')" ] || fail "a.txt differs on the host"
    [ "$(cat "$tmp/data/sub/moved.txt")" = "01ab4" ] || fail "moved.txt differs on the host"
    [ "$(readlink "$tmp/data/link")" = "a.txt" ] || fail "the link differs on the host"
    [ "$(ls "$tmp/data/many" | wc -l)" -eq 300 ] || fail "not 300 files in many/"
    ;;
escape | escape_walk)
    make_box
    if [ "$case_name" = escape_walk ]; then
        WACTOR_WASI_WALK=1 "$wactor" exec --dir "$tmp/box::box" "$guests/escape.wasm" >"$out" 2>"$err"
    else
        "$wactor" exec --dir "$tmp/box::box" "$guests/escape.wasm" >"$out" 2>"$err"
    fi
    status=$?
    cat "$out"
    expect_status 0
    ! grep -q FAILED "$out" || fail "an escape check failed"
    check_box
    ;;
race | race_walk)
    # A folder swapped for a link that leads out, again and again, while the guest opens
    # through it: an open must never reach the outside file. The swapper is a rename of a
    # prepared link over box/race (atomic), in a loop until the guest is done.
    mkdir -p "$tmp/box/inner"
    printf 'inside\n' >"$tmp/box/inner/x"
    printf 'secret\n' >"$tmp/x"
    ln -s inner "$tmp/box/race"
    (
        # Also ends if the script dies first (its EXIT trap removes $tmp).
        while [ -d "$tmp/box" ] && [ ! -e "$tmp/done" ]; do
            ln -sfn .. "$tmp/box/next" && mv -T "$tmp/box/next" "$tmp/box/race"
            ln -sfn inner "$tmp/box/next" && mv -T "$tmp/box/next" "$tmp/box/race"
        done
    ) &
    swapper=$!
    if [ "$case_name" = race_walk ]; then
        WACTOR_WASI_WALK=1 "$wactor" exec --dir "$tmp/box::box" "$guests/race.wasm" 3000 \
            >"$out" 2>"$err"
    else
        "$wactor" exec --dir "$tmp/box::box" "$guests/race.wasm" 3000 >"$out" 2>"$err"
    fi
    status=$?
    touch "$tmp/done"
    wait "$swapper"
    cat "$out"
    expect_status 0
    grep -q 'escaped 0$' "$out" || fail "an open escaped the box"
    ;;
stdio)
    # Redirected streams are files and pipes, not terminals: the output is
    # block-buffered, arrives whole, and nothing interactive is printed.
    "$wactor" exec "$guests/files.wasm" </dev/null >"$out" 2>"$err"
    grep -q '^stdout is not a terminal: ok$' "$out" || fail "stdout looks like a terminal"
    grep -q '^stdin is not a terminal: ok$' "$out" || fail "stdin looks like a terminal"
    ;;
dir_usage)
    run "$wactor" exec --dir "$tmp/nowhere" "$guests/files.wasm"
    expect_status 4
    expect_one_error_line "exec: --dir $tmp/nowhere: No such file or directory"
    run "$wactor" exec --dir "::x" "$guests/files.wasm"
    expect_status 4
    expect_one_error_line "exec: --dir needs HOST or HOST::GUEST"
    run "$wactor" exec --help
    grep -q -- '--dir HOST\[::GUEST\]' "$out" || fail "exec --help does not describe --dir"
    ;;
component_files)
    # capabilities.files: data read-only, out writable; a component without it sees nothing.
    mkdir "$tmp/data" "$tmp/out"
    printf 'hello from a file' >"$tmp/data/hello.txt"
    printf 'secret\n' >"$tmp/secret.txt"
    cat >"$tmp/wactor.yaml" <<YAML
components:
  files:
    wasm: $guests/files_component.wasm
    capabilities:
      wasi: [clock]
      files:
        data: ./data
        out: {path: ./out, write: true}
  nofiles:
    wasm: $guests/files_component.wasm
YAML
    run "$wactor" call "$tmp/wactor.yaml" files read
    expect_status 0
    expect_stdout 'hello from a file'
    run "$wactor" call "$tmp/wactor.yaml" files out
    expect_stdout 'written'
    [ "$(cat "$tmp/out/made.txt")" = "made by a component" ] || fail "out/made.txt not written"
    run "$wactor" call "$tmp/wactor.yaml" files write
    expect_stdout 'errno 76'
    [ ! -e "$tmp/data/new.txt" ] || fail "a read-only folder was written"
    grep -q '"action":"wasi".*"target":"files".*"decision":"denied"' "$err" ||
        fail "the refused write was not audited"
    run "$wactor" call "$tmp/wactor.yaml" files escape
    expect_stdout 'errno 76'
    run "$wactor" call "$tmp/wactor.yaml" nofiles read
    expect_status 0
    expect_stdout 'errno 76'
    # poll_oneoff never waits in a component: the hour's sleep is refused at once (notsup).
    run "$wactor" call "$tmp/wactor.yaml" files sleep
    expect_status 0
    expect_stdout 'errno 58'
    ;;
component_files_bad)
    # A bad files capability is a manifest error naming the place.
    printf 'components:\n  c:\n    wasm: %s\n    capabilities:\n      files:\n        ../x: ./data\n' \
        "$guests/files_component.wasm" >"$tmp/wactor.yaml"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    grep -q 'capabilities.files' "$err" || fail "the error does not name capabilities.files"
    printf 'components:\n  c:\n    wasm: %s\n    capabilities:\n      files:\n        d: {path: ., write: maybe}\n' \
        "$guests/files_component.wasm" >"$tmp/wactor.yaml"
    run "$wactor" validate "$tmp/wactor.yaml"
    expect_status 4
    grep -q 'expected true or false' "$err" || fail "write: maybe accepted"
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
exit 0
