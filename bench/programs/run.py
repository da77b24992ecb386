#!/usr/bin/env python3
"""Real programs from Debian source packages (make bench-programs; README.md has the figures).

Fetches bookworm's zlib, lua5.4 and sqlite3 sources once (apt-get source, with the private
deb-src configuration of tests/programs/check-programs.sh under build/programs), builds zlib's
minigzip, the Lua 5.4 interpreter and a query driver over SQLite's amalgamation natively
(gcc -O2) and to wasm32-wasi (clang -O2) into build/bench/programs, compiles each .wasm once
with `wactor compile` (kept while newer than the .wasm and src/aot: gcc takes minutes over
SQLite), then
times each workload natively, under `wactor exec --tier interp`, `--tier aot` with a fuel
budget (metering on) and without, and under Node's wasi module (V8). CPU time (user+sys) of
the process, median of BENCH_RUNS runs; every run's output must equal native's.

Environment: BENCH_RUNS (default 3), BENCH_SCALE (factor on every work size), BENCH_WALL=1
(wall-clock instead of CPU time), BENCH_NO_NODE=1.
Exit status: 0; 1 if an output differed or a run failed; 2 on a build or fetch error.
"""
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchlib import fmt_s, fmt_x, geomean  # noqa: E402 (bench/benchlib.py)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "bench", "programs")
WORK = os.path.join(ROOT, "build", "programs")  # shared with check-programs.sh
OUT = os.path.join(ROOT, "build", "bench", "programs")
WACTOR = os.path.join(ROOT, "build", "wactor")
FUEL_ON = str(2**62)  # a budget no workload exhausts: metering on
RUN_TIMEOUT = 1200
WASM_CC = ["clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-w"]
NATIVE_CC = ["gcc", "-O2", "-w"]
SQLITE_FLAGS = ["-DSQLITE_OS_OTHER=1", "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION",
                "-DSQLITE_TEMP_STORE=3", "-DSQLITE_OMIT_WAL", "-DSQLITE_DEFAULT_MEMSTATUS=0"]
# Lua errors use setjmp/longjmp, which bookworm's wasi-libc lacks: both builds make an error
# abort instead (the workload raises none), and Lua's tmpnam fallback is turned off.
LUA_FLAGS = ["-I" + os.path.join(SRC, "shim"), "-DLUAI_THROW(L,c)=abort()", "-DLUAI_TRY(L,c,a)={a}",
             "-Dluai_jmpbuf=int", "-Dlua_tmpnam(b,e)={e=1;}", "-DLUA_TMPNAMBUFSIZE=32"]
WASI_EMULATED = ["-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS"]
WASI_EMULATED_LIBS = ["-lwasi-emulated-signal", "-lwasi-emulated-process-clocks"]
ZLIB_SRC = ("adler32.c crc32.c deflate.c infback.c inffast.c inflate.c inftrees.c trees.c zutil.c "
            "compress.c uncompr.c gzclose.c gzlib.c gzread.c gzwrite.c test/minigzip.c").split()
INPUT_MB = 16  # minigzip's input at scale 1

failures = []


def log(msg):
    print(msg, flush=True)


def fail(msg):
    failures.append(msg)
    log(f"!!! FAILURE: {msg}")


def fetch(package):
    """The unpacked source folder of a bookworm source package (fetched once)."""
    src = os.path.join(WORK, "src")
    found = [d for d in sorted(os.listdir(src)) if d.startswith(package + "-")
             and os.path.isdir(os.path.join(src, d))] if os.path.isdir(src) else []
    if found:
        return os.path.join(src, found[0])
    apt_dir = os.path.join(WORK, "apt")
    for d in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(apt_dir, d), exist_ok=True)
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(apt_dir, "deb-src.sources"), "w") as f:
        f.write("Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n"
                "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    apt = ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={apt_dir}",
           "-o", f"Dir::State::Lists={apt_dir}/lists", "-o", f"Dir::Cache={apt_dir}/cache"]
    if not any("Sources" in n for n in os.listdir(os.path.join(apt_dir, "lists"))):
        subprocess.run(["apt-get"] + apt + ["update", "-qq"], check=False)
    r = subprocess.run(["apt-get"] + apt + ["source", "-qq", package], cwd=src,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        log(f"run.py: cannot fetch the source of {package} (needs network once)")
        sys.exit(2)
    return fetch(package)


def stale(out, deps):
    if not os.path.exists(out):
        return True
    t = os.path.getmtime(out)
    return any(os.path.getmtime(d) > t for d in deps)


def build(out, cmd, deps, cwd=ROOT):
    if not stale(out, deps):
        return
    log(f"  building {os.path.relpath(out, ROOT)}")
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-4000:])
        log(f"run.py: build failed: {' '.join(cmd)}")
        sys.exit(2)


def build_all():
    # Outputs depend on their sources, not on this script (rebuilding SQLite and compiling it
    # again takes minutes): after changing flags here, delete build/bench/programs.
    os.makedirs(OUT, exist_ok=True)
    # zlib's minigzip, as check-programs.sh builds it
    z = fetch("zlib")
    zdeps = [os.path.join(z, s) for s in ZLIB_SRC]
    for out, cc in (("minigzip", NATIVE_CC), ("minigzip.wasm", WASM_CC)):
        build(os.path.join(OUT, out), cc + ["-DZ_HAVE_UNISTD_H", "-I."] + ZLIB_SRC
              + ["-o", os.path.join(OUT, out)], zdeps, cwd=z)
    # Lua 5.4: the standalone interpreter (every src/*.c but the compiler luac.c)
    lua = os.path.join(fetch("lua5.4"), "src")
    lsrc = sorted(f for f in os.listdir(lua) if f.endswith(".c") and f != "luac.c")
    shim = [os.path.join(SRC, "shim", f) for f in os.listdir(os.path.join(SRC, "shim"))]
    ldeps = [os.path.join(lua, f) for f in lsrc] + shim
    build(os.path.join(OUT, "lua"), NATIVE_CC + LUA_FLAGS + lsrc + ["-lm", "-o",
                                                                   os.path.join(OUT, "lua")],
          ldeps, cwd=lua)
    build(os.path.join(OUT, "lua.wasm"),
          WASM_CC + LUA_FLAGS + WASI_EMULATED + lsrc + [os.path.join(SRC, "shim", "wasi_stubs.c")]
          + WASI_EMULATED_LIBS + ["-lm", "-o", os.path.join(OUT, "lua.wasm")], ldeps, cwd=lua)
    # SQLite: the amalgamation (made once by its build system, which needs tclsh) and our driver
    sq = fetch("sqlite3")
    amalg = os.path.join(WORK, "sqlite-amalg")
    if not os.path.exists(os.path.join(amalg, "sqlite3.c")):
        os.makedirs(amalg, exist_ok=True)
        log("  making the SQLite amalgamation")
        for cmd in ([os.path.join(sq, "configure"), "--disable-tcl"], ["make", "sqlite3.c"]):
            r = subprocess.run(cmd, cwd=amalg, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
            if r.returncode != 0:
                sys.stdout.write(r.stdout[-4000:])
                log(f"run.py: the SQLite amalgamation failed: {' '.join(cmd)}")
                sys.exit(2)
    driver = os.path.join(SRC, "sqlite_bench.c")
    sdeps = [os.path.join(amalg, "sqlite3.c"), driver]
    for out, cc in (("sqlite_bench", NATIVE_CC), ("sqlite_bench.wasm", WASM_CC)):
        build(os.path.join(OUT, out), cc + SQLITE_FLAGS + ["-I", amalg, driver,
                                                           os.path.join(amalg, "sqlite3.c")]
              + (["-lm"] if cc is NATIVE_CC else []) + ["-o", os.path.join(OUT, out)], sdeps)


def compile_aot(name):
    """wactor compile NAME.wasm unless NAME.wasm.so is newer; returns the compile time
    (measured when it was made, kept in NAME.wasm.so.time)."""
    wasm = os.path.join(OUT, name + ".wasm")
    so, stamp = wasm + ".so", wasm + ".so.time"
    aot_src = os.path.join(ROOT, "src", "aot")  # a changed generator or runtime: compile again
    gen = [os.path.join(aot_src, f) for f in os.listdir(aot_src) if f.endswith((".c", ".h"))]
    if stale(so, [wasm] + gen) or not os.path.exists(stamp):
        log(f"  wactor compile {name}.wasm")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run([WACTOR, "compile", wasm], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            fail(f"wactor compile {name}.wasm: {r.stdout.strip()[-400:]}")
            return None
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(stamp, "w") as f:
            f.write(f"{cpu:.2f} {wall:.2f}\n")
    cpu, wall = (float(x) for x in open(stamp).read().split())
    return cpu, wall, os.path.getsize(wasm), os.path.getsize(so)


def timed(cmd, stdin, wall):
    """Runs cmd (stdin from a file or nothing); returns (seconds, output digest, error)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # stdout goes to a file: Node's WASI fails a large write to a pipe (EAGAIN)
    sink = os.path.join(OUT, "stdout")
    try:
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f, open(sink, "wb") as o:
            r = subprocess.run(cmd, cwd=SRC, stdin=f, stdout=o, stderr=subprocess.PIPE,
                               timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, None, "timed out"
    t1 = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip().splitlines()
        return None, None, f"exit {r.returncode}: {err[-1] if err else ''}"
    with open(sink, "rb") as o:
        out = o.read()
    digest = out.decode().strip() if out.startswith(b"checksum") else \
        f"{len(out)} bytes, sha256 {hashlib.sha256(out).hexdigest()[:16]}"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (t1 - t0 if wall else cpu), digest, None


def median_runs(cmd, stdin, runs, wall, want, who):
    times = []
    for i in range(runs):
        t, got, err = timed(cmd, stdin, wall)
        if err:
            fail(f"{who}: {err}")
            return None, want
        if want is not None and got != want:
            fail(f"{who}: output '{got}', native '{want}'")
            return None, want
        want = got
        times.append(t)
        if runs == 3 and i == 1 and max(times) <= 1.02 * min(times):
            return sum(times) / 2, want
    times.sort()
    return times[len(times) // 2], want


def make_input(path, size):
    """Deterministic English-like text (words from a fixed list, a simple generator)."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    words = ("the actor sends a message to its mailbox while the supervisor restarts a failed "
             "component and the lattice carries replies between hosts under fuel and memory "
             "limits of each instance").split()
    out, state, n = [], 12345, 0
    while n < size:
        state = (state * 1103515245 + 12345) & 0x7fffffff
        w = words[state % len(words)] + ("\n" if state % 13 == 0 else " ")
        out.append(w)
        n += len(w)
    with open(path, "w") as f:
        f.write("".join(out)[:size])


def main():
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    wall = os.environ.get("BENCH_WALL", "") not in ("", "0")
    node = None if os.environ.get("BENCH_NO_NODE") else shutil.which("node")
    if not os.access(WACTOR, os.X_OK):
        log(f"run.py: {WACTOR} is missing: run make first")
        return 2
    log("Building (only what is out of date; the first time takes minutes):")
    build_all()
    text = os.path.join(OUT, "input.txt")
    make_input(text, max(1 << 16, int(INPUT_MB * scale * (1 << 20))))
    gz = os.path.join(OUT, "input.txt.gz")
    with open(text, "rb") as f, open(gz, "wb") as g:
        subprocess.run([os.path.join(OUT, "minigzip")], stdin=f, stdout=g, check=True)
    rounds = lambda n: str(max(1, round(n * scale)))  # noqa: E731
    # name, program, arguments, stdin, what it measures
    workloads = [
        ("minigzip", "minigzip", [], text, f"zlib deflate -6, {os.path.getsize(text) >> 20} MB "
         "of text"),
        ("minigzip -d", "minigzip", ["-d"], gz, "zlib inflate of that"),
        ("lua", "lua", ["bench.lua", rounds(16)], None, "Lua 5.4 running bench.lua"),
        ("sqlite", "sqlite_bench", [rounds(8)], None, "SQLite: insert, index, query, aggregate"),
    ]
    log("Compiling each module once (wactor compile; kept while newer than the .wasm):")
    aot = {p: compile_aot(p) for p in ("minigzip", "lua", "sqlite_bench")}

    log("")
    log(f"Times: {'wall-clock' if wall else 'CPU (user+sys)'} seconds, median of {runs} runs; "
        "ratio = time / native (gcc -O2) in this run.")
    log("  interp: wactor exec --tier interp; aot+fuel: --tier aot --fuel 2^62 (metered, as "
        "under limits.fuel);")
    log("  aot: --tier aot without a budget (interrupt checks stay on); node: "
        f"{subprocess.run(['node', '--version'], stdout=subprocess.PIPE, text=True).stdout.strip() if node else 'missing'}"
        " wasi (V8; its compiler threads' CPU counts).")
    cols = (f"{'workload':<12} {'native':>7} {'interp':>7} {'ratio':>6} {'aot+fuel':>8} "
            f"{'ratio':>6} {'aot':>6} {'ratio':>6} {'node':>6} {'ratio':>6}  measures")
    log("")
    log(cols)
    log("-" * len(cols))
    cells = {k: [] for k in ("interp", "aotfuel", "aot", "node")}
    for name, prog, args, stdin, what in workloads:
        exe = os.path.join(OUT, prog)
        wasm = exe + ".wasm"
        native_t, want = median_runs([exe] + args, stdin, runs, wall, None, f"{name} native")
        variants = [
            ("interp", [WACTOR, "exec", "--tier", "interp", "--dir", ".::.", wasm] + args),
            ("aotfuel", [WACTOR, "exec", "--tier", "aot", "--fuel", FUEL_ON, "--dir", ".::.",
                         wasm] + args),
            ("aot", [WACTOR, "exec", "--tier", "aot", "--dir", ".::.", wasm] + args),
            ("node", [node, "--no-warnings", os.path.join(SRC, "node_wasi.mjs"), wasm] + args),
        ]
        row = []
        for key, cmd in variants:
            t = None
            if want is not None and not (key.startswith("aot") and aot.get(prog) is None) \
                    and not (key == "node" and node is None):
                t, _ = median_runs(cmd, stdin, runs, wall, want, f"{name} {key}")
            r = t / native_t if t and native_t else None
            cells[key].append(r)
            row += [fmt_s(t), fmt_x(r)]
        log(f"{name:<12} {fmt_s(native_t):>7} {row[0]:>7} {row[1]:>6} {row[2]:>8} {row[3]:>6} "
            f"{row[4]:>6} {row[5]:>6} {row[6]:>6} {row[7]:>6}  {what}")
    log("-" * len(cols))
    g = {k: fmt_x(geomean(v)) for k, v in cells.items()}
    log(f"{'geomean':<12} {'':>7} {'':>7} {g['interp']:>6} {'':>8} {g['aotfuel']:>6} {'':>6} "
        f"{g['aot']:>6} {'':>6} {g['node']:>6}")

    log("")
    log("AOT artifacts (wactor compile: the module translated to C, then cc -O2):")
    log(f"{'module':<14} {'wasm KB':>8} {'so KB':>8} {'cpu s':>7} {'wall s':>7} {'cpu s/MB':>9}")
    tot_cpu = tot_mb = 0.0
    for prog, a in aot.items():
        if a is None:
            continue
        cpu, wall_s, wsize, ssize = a
        tot_cpu += cpu
        tot_mb += wsize / 1e6
        log(f"{prog + '.wasm':<14} {wsize / 1024:>8.0f} {ssize / 1024:>8.0f} {cpu:>7.1f} "
            f"{wall_s:>7.1f} {cpu / (wsize / 1e6):>9.1f}")
    if tot_mb:
        log(f"compile: {tot_cpu / tot_mb:.0f} CPU s per MB of wasm over all three "
            "(measured when each artifact was made; wall time depends on the machine's load)")

    log("")
    log("Ops per straight-line run (between labels, branches and calls; wasm-objdump -d, static):")
    for prog, funcs in (("minigzip", ("deflate_slow", "longest_match", "inflate_fast")),
                        ("lua", ("luaV_execute", "luaH_get")),
                        ("sqlite_bench", ("sqlite3VdbeExec", "sqlite3BtreeTableMoveto"))):
        log("  " + op_mix(os.path.join(OUT, prog + ".wasm"), funcs))

    if failures:
        log("")
        log(f"!!! {len(failures)} FAILURE(S):")
        for f in failures:
            log(f"!!!   {f}")
        return 1
    return 0


# Ops that end a straight-line run: the translator fuses instructions only within one
# (src/wasm/fuse.c: no label, branch or call in between), and each one is a dispatch.
RUN_ENDS = {"block", "loop", "br", "br_if", "br_table", "if", "else", "end", "call",
            "call_indirect", "return"}


def op_mix(wasm, funcs):
    """Ops per straight-line run in the module and in its hot functions (static counts)."""
    if not shutil.which("wasm-objdump"):
        return "wasm-objdump missing"
    r = subprocess.run(["wasm-objdump", "-d", wasm], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    counts, func = {}, None
    for line in r.stdout.splitlines():
        if line.endswith(">:") and " func[" in line:
            func = line.split("<", 1)[1][:-2]
            counts[func] = [0, 0]
            continue
        m = re.search(r"\|\s+([a-z0-9_.]+)", line)
        if m and func:
            counts[func][0] += 1
            counts[func][1] += m.group(1) in RUN_ENDS
    ops = sum(c[0] for c in counts.values())
    ends = sum(c[1] for c in counts.values())
    parts = [f"module {ops / max(1, ends):.1f}"]
    parts += [f"{f} {counts[f][0] / max(1, counts[f][1]):.1f}" for f in funcs if f in counts]
    return f"{os.path.basename(wasm)}: " + ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
