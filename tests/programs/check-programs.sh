#!/bin/sh
# Real programs from Debian source packages, unchanged, built to wasm32-wasi and run with
# `wactor exec`; their output must equal the same sources built natively.
# Usage: check-programs.sh [--offline] WACTOR WORKDIR   (make check-programs)
# --offline (the ctest programs.check): exit 77, "skipped", unless the sources were fetched.
#
# The sources come from bookworm's deb-src through apt-get with a private configuration in
# WORKDIR (no change to /etc/apt); they are fetched once. Needs network for that, dpkg-dev
# (dpkg-source) and what scripts/install-deps.sh installs. Which programs build and which cannot
# yet, and why: docs/WASI.md, "Real programs".
set -eu
offline=false
if [ "${1:-}" = --offline ]; then
    offline=true
    shift
fi
wactor=$(realpath "$1")
work=$(realpath -m "$2")
if $offline && ! ls -d "$work/src/zlib"-*/ >/dev/null 2>&1; then
    echo "skipped: no sources in $work/src (make check-programs fetches them)" >&2
    exit 77
fi
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat >"$work/apt/deb-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/apt
     -o Dir::State::Lists=$work/apt/lists -o Dir::Cache=$work/apt/cache"
wasicc="clang --target=wasm32-wasi --sysroot=/usr -O2 -w"
failed=0

fetch() { # PACKAGE: unpacks its source (with Debian's patches) into $work/src/PACKAGE-*/
    if ! ls -d "$work/src/$1"-*/ >/dev/null 2>&1; then
        if $offline; then
            echo "skipped: no source of $1 in $work/src (make check-programs fetches it)" >&2
            exit 77
        fi
        [ -n "$(ls "$work/apt/lists" | grep Sources || true)" ] || apt-get $apt update -qq
        (cd "$work/src" && apt-get $apt source -qq "$1" >/dev/null 2>&1) ||
            { echo "cannot fetch the source of $1" >&2; exit 1; }
    fi
    ls -d "$work/src/$1"-*/ | head -n 1
}

same() { # WHAT FILE1 FILE2
    if cmp -s "$2" "$3"; then
        echo "ok: $1"
    else
        echo "FAILED: $1 ($2 and $3 differ)"
        failed=1
    fi
}

# ---- zlib's minigzip: gzip files in a preopened folder, and through stdin/stdout ----
z=$(fetch zlib) || exit $?
zsrc="adler32.c crc32.c deflate.c infback.c inffast.c inflate.c inftrees.c trees.c zutil.c
      compress.c uncompr.c gzclose.c gzlib.c gzread.c gzwrite.c test/minigzip.c"
out=$work/minigzip
rm -rf "$out" && mkdir -p "$out/wasm" "$out/native"
# Z_HAVE_UNISTD_H: what zlib's configure defines on any POSIX system (else gzlib.c declares
# lseek itself, with the wrong type for wasm32).
(cd "$z" && $wasicc -DZ_HAVE_UNISTD_H -I. $zsrc -o "$out/minigzip.wasm")
(cd "$z" && cc -O2 -w -DZ_HAVE_UNISTD_H -I. $zsrc -o "$out/minigzip")
mkdir "$out/in"
cp /usr/share/common-licenses/GPL-3 "$out/in/text"
head -c 300000 /dev/urandom >"$out/in/noise"
cp "$out/in/text" "$out/in/noise" "$out/wasm/" && cp "$out/in/text" "$out/in/noise" "$out/native/"
(cd "$out/native" && ../minigzip text && ../minigzip -9 noise)
(cd "$out" && "$wactor" exec --dir wasm::. minigzip.wasm text &&
    "$wactor" exec --dir wasm::. minigzip.wasm -9 noise)
same "minigzip text (file in a preopen)" "$out/wasm/text.gz" "$out/native/text.gz"
same "minigzip -9 noise (file in a preopen)" "$out/wasm/noise.gz" "$out/native/noise.gz"
"$wactor" exec "$out/minigzip.wasm" -d <"$out/native/text.gz" >"$out/text.out"
same "minigzip -d (stdin to stdout)" "$out/text.out" /usr/share/common-licenses/GPL-3
"$wactor" exec "$out/minigzip.wasm" <"$out/in/noise" >"$out/noise.gz.wasm"
"$out/minigzip" <"$out/in/noise" >"$out/noise.gz.native"
same "minigzip (stdin to stdout)" "$out/noise.gz.wasm" "$out/noise.gz.native"
(cd "$out" && "$wactor" exec --dir wasm::. minigzip.wasm -d text.gz)
same "minigzip -d text.gz (file in a preopen)" "$out/wasm/text" /usr/share/common-licenses/GPL-3

exit $failed
