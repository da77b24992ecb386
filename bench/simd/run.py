#!/usr/bin/env python3
"""The SIMD benchmarks (make bench-simd; README.md explains the table).

Builds bench/simd/kernels.c four ways into build/bench/simd: natively
(gcc -O2), to wasm32-wasi without SIMD (scalar), with -msimd128 (clang's
auto-vectorizer) and with -msimd128 -DEXPLICIT (wasm_simd128.h intrinsics).
Times each kernel in each build (CPU time of the process, median of
BENCH_RUNS runs; the wasm builds under `build/wactor exec`; native code does
NATIVE_FACTOR times the work, and its time is divided by that), checks that every
build prints the native checksum, and prints the times with the ratios
scalar/SIMD (the speedup SIMD gives under wactor) and wasm/native.

Usage: bench/simd/run.py [NAME=N ...]
Environment: BENCH_RUNS (default 3), BENCH_SCALE (factor on every work size).
Exit status: 0, 1 if a checksum differed or a run failed, 2 on a build error.
"""
import math
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "bench", "simd", "kernels.c")
OUT = os.path.join(ROOT, "build", "bench", "simd")
WACTOR = os.path.join(ROOT, "build", "wactor")

# name, what it is, repetitions N (about 1 s for the scalar wasm build)
KERNELS = [
    ("bytecount", "count one byte value in 64 KiB", 3000),
    ("dot16", "i16 dot product, 32K pairs", 2500),
    ("saxpy", "f32 y = k*x + y, 64K floats", 1500),
    ("blend", "alpha blend of two 64 KiB images", 1500),
    ("sad", "sum of absolute differences, 64 KiB", 800),
]
# Native code runs NATIVE_FACTOR * N repetitions (else it ends too soon to
# time); its time is divided by the factor. Its checksum is taken at N.
NATIVE_FACTOR = 20
CFLAGS = ["-std=c17", "-O2", "-Wall", "-Wextra", "-Werror"]
WASM_CC = ["clang", "--target=wasm32-wasi", "--sysroot=/usr"] + CFLAGS
# name, command to build it
BUILDS = [
    ("native", ["gcc"] + CFLAGS + ["-ffp-contract=off"]),
    ("scalar", WASM_CC),
    ("simd", WASM_CC + ["-msimd128"]),
    ("intrin", WASM_CC + ["-msimd128", "-DEXPLICIT"]),
]


def build():
    os.makedirs(OUT, exist_ok=True)
    paths = {}
    for name, cc in BUILDS:
        out = os.path.join(OUT, "kernels-" + name + ("" if name == "native" else ".wasm"))
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(SRC):
            r = subprocess.run(cc + [SRC, "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit("bench-simd: building %s failed:\n%s" % (name, r.stderr))
        paths[name] = out
    return paths


def timed(cmd, runs):
    """Median CPU time over runs, and the checksum line of the first run."""
    times, checksum = [], None
    for _ in range(runs):
        before = os.times()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        after = os.times()
        if proc.returncode != 0:
            return None, "exit %d: %s" % (proc.returncode, proc.stderr.strip()[:200])
        times.append((after.children_user - before.children_user) +
                     (after.children_system - before.children_system))
        checksum = checksum or proc.stdout.strip()
    times.sort()
    return times[len(times) // 2], checksum


def main():
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    sizes = {name: max(1, int(n * scale)) for name, _, n in KERNELS}
    for arg in sys.argv[1:]:
        name, _, n = arg.partition("=")
        if name not in sizes or not n.isdigit():
            sys.exit("usage: run.py [NAME=N ...] with NAME one of " + ", ".join(sizes))
        sizes[name] = int(n)
    if not os.access(WACTOR, os.X_OK):
        sys.exit("bench-simd: build/wactor is missing (make build)")
    paths = build()
    failed = False
    print("CPU seconds, median of %d; scalar/simd = speedup of the SIMD build under wactor;"
          " x native = wasm time / native time" % runs)
    print("%-10s %6s %8s %8s %8s %8s %11s %11s %9s %9s" %
          ("kernel", "N", "native", "scalar", "simd", "intrin", "scalar/simd",
           "scalar/intr", "simd x nat", "intr x nat"))
    speedups = []
    for name, what, _ in KERNELS:
        n = str(sizes[name])
        row = {}
        for build_name, _ in BUILDS:
            path = paths[build_name]
            cmd = [path, name, n] if build_name == "native" else [WACTOR, "exec", path, name, n]
            row[build_name] = timed(cmd, runs)
        want = row["native"][1]
        t, checksum = timed([paths["native"], name, str(sizes[name] * NATIVE_FACTOR)], runs)
        row["native"] = (t / NATIVE_FACTOR if t is not None else None, want)
        for build_name, (t, checksum) in row.items():
            if t is None or checksum != want:
                print("!!! FAILURE %s %s: %s (native: %s)" % (name, build_name, checksum, want))
                failed = True
        if failed:
            continue
        nat, sc, si, it = (row[b][0] for b in ("native", "scalar", "simd", "intrin"))
        best = min(si, it)
        speedups.append(sc / best)
        print("%-10s %6s %8.3f %8.3f %8.3f %8.3f %10.2fx %10.2fx %8.1fx %8.1fx" %
              (name, n, nat, sc, si, it, sc / si, sc / it, si / nat, it / nat))
    if speedups:
        geo = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
        print("geometric mean of scalar / best SIMD build: %.2fx" % geo)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
