#!/usr/bin/env python3
"""Seeds for fuzz_aot aimed at the bounds checks the compiled tier leaves out (docs/AOT.md,
"Fewer bounds checks"): N random modules whose functions make several loads and stores through
one local, with added constants that wrap, near the memory's end, mixed with slot changes,
global sets, traps of other kinds, memory.grow, calls, branches out, loops and dispatch loops
(a load and a br_table at the loop's head, which the compiled tier copies to each back edge,
"Dispatch loops"). Each module ends with a custom section holding the arguments fuzz_aot passes
to every export (its last 512 bytes): a first argument near an edge of memory, so a region's one
check fails after accesses in bounds.

Usage: fuzz/bounds_modules.py N OUTDIR [SEED]   (needs wabt's wat2wasm)
Then:  build-fuzz/fuzz_aot OUTDIR/*.wasm        (make fuzz-run-aot seeds its corpus with 200)
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

N, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
tmp = tempfile.mkdtemp()
R = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
KS = [0, 0, 0, 1, 4, 8, 16, -4, -8, -16, 65532, -65536, 0x7ffffff0, -1, 3]
OFFS = [0, 0, 1, 4, 8, 12, 16, 65532, 65536, 24, 2]
STORES = [('i32.store', 'i32'), ('i32.store8', 'i32'), ('i32.store16', 'i32'), ('i64.store', 'i64'),
          ('i64.store32', 'i64'), ('f64.store', 'f64')]
LOADS = [('i32.load', 'i32'), ('i32.load8_u', 'i32'), ('i32.load16_s', 'i32'), ('i64.load', 'i64'),
         ('i64.load32_u', 'i64'), ('f64.load', 'f64')]
def addr():
    k = R.choice(KS)
    base = R.choice(['$p', '$p', '$p', '$s'])
    if k == 0:
        return f'(local.get {base})'
    return f'(i32.add (local.get {base}) (i32.const {k}))'
def val(t):
    return {'i32': '(local.get $q)', 'i64': '(i64.extend_i32_u (local.get $q))',
            'f64': '(f64.convert_i32_u (local.get $q))'}[t]
def to_i32(t, e):
    return {'i32': e, 'i64': f'(i32.wrap_i64 {e})', 'f64': f'(i32.trunc_sat_f64_u {e})'}[t]
def stmt(depth):
    c = R.random()
    if c < 0.30:
        op, t = R.choice(STORES)
        return f'({op} offset={R.choice(OFFS)} {addr()} {val(t)})'
    if c < 0.55:
        op, t = R.choice(LOADS)
        return f'(local.set $t (i32.add (local.get $t) {to_i32(t, f"({op} offset={R.choice(OFFS)} {addr()})")}))'
    if c < 0.62:  # read-modify-write of one place
        o = R.choice(OFFS)
        a = addr()
        return f'(i32.store offset={o} {a} (i32.add (i32.load offset={o} {a}) (i32.const 1)))'
    if c < 0.67:
        o1, o2 = R.choice(OFFS), R.choice(OFFS)
        return f'(i32.store offset={o1} (local.get $p) (i32.load offset={o2} (local.get $p)))'
    if c < 0.71:
        return f'(f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.const 1.5)))'
    if c < 0.76:
        return f'(local.set $p (i32.add (local.get $p) (i32.const {R.choice(KS)})))'
    if c < 0.80:
        return '(global.set $g (local.get $t))'
    if c < 0.84:
        return '(drop (i32.div_u (i32.const 1) (local.get $q)))'
    if c < 0.86:
        return '(drop (memory.grow (i32.const 1)))'
    if c < 0.88:
        return '(call $side)'
    if c < 0.91:
        return f'(br_if 0 (i32.eq (local.get $r) (i32.const {R.randint(0, 3)})))'
    if c < 0.94:
        return f'(v128.store offset={R.choice(OFFS)} {addr()} (v128.load offset={R.choice(OFFS)} {addr()}))'
    if c < 0.955 and depth < 2:  # a dispatch loop: its head is copied to each back edge
        again = ('(br_if $d (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) '
                 '(i32.const 6))) (br $o)')
        cases = [' '.join(stmt(depth + 1) for _ in range(R.randint(1, 3))) + ' ' + again
                 for _ in range(3)]
        return (f'(block $o (loop $d (block $c2 (block $c1 (block $c0 (br_table $c0 $c1 $c2 $o '
                f'(i32.and (i32.load8_u offset={R.choice(OFFS)} {addr()}) (i32.const 3))))'
                f' {cases[0]}) {cases[1]}) {cases[2]}))')
    if c < 0.97 and depth < 2:
        body = ' '.join(stmt(depth + 1) for _ in range(R.randint(2, 6)))
        return (f'(block (loop $l {body} (br_if $l (i32.lt_u (local.tee $r (i32.add (local.get $r) '
                f'(i32.const 1))) (i32.const 3)))))')
    return f'(local.set $s (i32.add (local.get $p) (i32.const {R.choice(KS)})))'
PS = [65536 - k for k in range(0, 40)] + [0xfffffff0 + k for k in range(16)] + list(range(0, 40)) + \
     [131072 - k for k in range(0, 24)] + [1000, 70000, 196600]
for i in range(N):
    funcs = []
    for f in range(R.randint(2, 6)):
        body = ' '.join(stmt(0) for _ in range(R.randint(3, 12)))
        funcs.append(f'(func (export "f{f}") (param $p i32) (param $q i32) (param $r i32) (result i32)\n'
                     f'  (local $t i32) (local $s i32) (local.set $s (local.get $p))\n'
                     f'  (block {body})\n  (i32.add (local.get $t) (global.get $g)))')
    wat = ('(module (memory 1 3) (global $g (mut i32) (i32.const 0))\n'
           '(func $side (global.set $g (i32.add (global.get $g) (i32.const 1))))\n' +
           '\n'.join(funcs) +
           '\n(func (export "sum") (result i32) (local $i i32) (local $a i32)\n'
           '  (block (loop $l (local.set $a (i32.add (local.get $a) (i32.load (local.get $i))))\n'
           '    (local.set $i (i32.add (local.get $i) (i32.const 4)))\n'
           '    (br_if $l (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))))\n'
           '  (local.get $a)))\n')
    open(f'{tmp}/m.wat', 'w').write(wat)
    subprocess.run(['wat2wasm', f'{tmp}/m.wat', '-o', f'{out}/bounds{i}.wasm'], check=True)
    args = [R.choice(PS), R.choice([0, 1, 1, 7]), R.randint(0, 3)]
    payload = struct.pack('<3Q', *args) + bytes(512 - 24)
    # the arguments are the file's last 512 bytes: a custom section ending it
    name = b'args'
    body = bytes([len(name)]) + name + payload
    def leb(n):
        b = bytearray()
        while True:
            x = n & 0x7f; n >>= 7
            b.append(x | (0x80 if n else 0))
            if not n: return bytes(b)
    with open(f'{out}/bounds{i}.wasm', 'ab') as fh:
        fh.write(b'\x00' + leb(len(body)) + body)
os.remove(f'{tmp}/m.wat')
os.rmdir(tmp)
