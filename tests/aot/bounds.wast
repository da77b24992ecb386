;; The bounds checks the compiled tier leaves out (docs/AOT.md, "Fewer bounds checks"). The
;; functions below make three or more accesses through one local, so their C has a region: one
;; check for the farthest end, then a copy of the region with every check when that one fails. Run in
;; both tiers (tests/CMakeLists.txt: aot.bounds, aot.bounds.interp): when the region's check
;; fails, what happened before the trap (stores, a global) and the trap are the interpreter's.
(module
  (memory 1 2)
  (global $g (mut i32) (i32.const 0))

  ;; A store in bounds, a global set, then a store 64 KiB further (out of bounds for p >= 0
  ;; while the memory has one page): the first store and the global set must have happened.
  (func (export "store_then_far") (param $p i32)
    (i32.store (local.get $p) (i32.const 0x11111111))
    (global.set $g (i32.const 5))
    (i32.store offset=4 (local.get $p) (i32.const 0x12121212))
    (i32.store offset=65536 (local.get $p) (i32.const 0x22222222)))

  ;; p + 8 wraps below 2^32 (to a small address, in bounds) while p itself is out of bounds.
  (func (export "wrap_then_far") (param $p i32)
    (i32.store (i32.add (local.get $p) (i32.const 8)) (i32.const 0x33333333))
    (i32.store (i32.add (local.get $p) (i32.const 12)) (i32.const 0x77777777))
    (i32.store (local.get $p) (i32.const 0x44444444)))

  ;; A stack-pointer pattern: p - 4, p - 8 and p + 0 (the constants wrap as negative ones).
  (func (export "below") (param $p i32) (result i32)
    (i32.store (i32.add (local.get $p) (i32.const -4)) (i32.const 0x55555555))
    (i32.store (i32.add (local.get $p) (i32.const -8)) (i32.const 0x50505050))
    (i32.store (local.get $p) (i32.const 0x66666666))
    (i32.add (i32.load (i32.add (local.get $p) (i32.const -4))) (i32.load (local.get $p))))

  ;; Two locals, each twice, with arithmetic (and a trap of its own) in between.
  (func (export "two") (param $a i32) (param $b i32) (param $d i32) (result i32)
    (i64.store (local.get $a) (i64.const 7))
    (i32.store8 offset=9 (local.get $b) (i32.const 1))
    (drop (i32.div_u (i32.const 1) (local.get $d)))
    (i64.store offset=8 (local.get $a) (i64.const 8))
    (i32.store offset=16 (local.get $a) (i32.const 3))
    (i32.add (i32.load8_u offset=9 (local.get $b)) (i32.wrap_i64 (i64.load offset=8 (local.get $a)))))

  ;; x[i] += 1: the store needs no check after the load's.
  (func (export "bump") (param $p i32) (result i32)
    (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
    (i32.load (local.get $p)))

  ;; The slot changes between accesses: the second is not covered by the first's check.
  (func (export "moved") (param $p i32) (result i32)
    (i32.store (local.get $p) (i32.const 9))
    (local.set $p (i32.add (local.get $p) (i32.const 65536)))
    (i32.store (local.get $p) (i32.const 10))
    (i32.load (local.get $p)))

  ;; memory.grow between two accesses: the second is checked against the new size.
  (func (export "grown") (param $p i32) (result i32)
    (i32.store (local.get $p) (i32.const 12))
    (drop (memory.grow (i32.const 1)))
    (i32.store offset=65536 (local.get $p) (i32.const 13))
    (i32.load offset=65536 (local.get $p)))

  ;; The last byte of memory.
  (func (export "edge") (param $p i32) (result i32)
    (i32.store8 (local.get $p) (i32.const 0xab))
    (i32.store8 offset=1 (local.get $p) (i32.const 0xcd))
    (i32.load16_u (local.get $p)))

  (func (export "get") (param $p i32) (result i32) (i32.load (local.get $p)))
  (func (export "global") (result i32) (global.get $g)))

(assert_trap (invoke "store_then_far" (i32.const 100)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 100)) (i32.const 0x11111111))
(assert_return (invoke "get" (i32.const 104)) (i32.const 0x12121212))
(assert_return (invoke "global") (i32.const 5))

(assert_trap (invoke "wrap_then_far" (i32.const -4)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 4)) (i32.const 0x33333333))
(assert_return (invoke "get" (i32.const 8)) (i32.const 0x77777777))
(assert_return (invoke "wrap_then_far" (i32.const 200)))
(assert_return (invoke "get" (i32.const 200)) (i32.const 0x44444444))
(assert_return (invoke "get" (i32.const 208)) (i32.const 0x33333333))

(assert_return (invoke "below" (i32.const 300)) (i32.const 0xbbbbbbbb))
(assert_trap (invoke "below" (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "below" (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 0)) (i32.const 0x55555555))
(assert_return (invoke "below" (i32.const 8)) (i32.const 0xbbbbbbbb))
(assert_return (invoke "get" (i32.const 0)) (i32.const 0x50505050))
(assert_trap (invoke "below" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65530)) (i32.const 0x55555555))

(assert_return (invoke "two" (i32.const 400) (i32.const 500) (i32.const 1)) (i32.const 9))
(assert_return (invoke "get" (i32.const 416)) (i32.const 3))
(assert_trap (invoke "two" (i32.const 600) (i32.const 700) (i32.const 0)) "integer divide by zero")
(assert_return (invoke "get" (i32.const 600)) (i32.const 7))
(assert_return (invoke "get" (i32.const 708)) (i32.const 0x100))
(assert_return (invoke "get" (i32.const 608)) (i32.const 0))
(assert_trap (invoke "two" (i32.const 800) (i32.const 65530) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 800)) (i32.const 7))
(assert_trap (invoke "two" (i32.const 65528) (i32.const 900) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65528)) (i32.const 7))
(assert_return (invoke "get" (i32.const 908)) (i32.const 0x100))

(assert_return (invoke "bump" (i32.const 1000)) (i32.const 1))
(assert_return (invoke "bump" (i32.const 1000)) (i32.const 2))
(assert_trap (invoke "bump" (i32.const 65533)) "out of bounds memory access")

(assert_trap (invoke "moved" (i32.const 1100)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 1100)) (i32.const 9))

(assert_return (invoke "edge" (i32.const 65534)) (i32.const 0xcdab))
(assert_trap (invoke "edge" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65532)) (i32.const 0xabab0000))

(assert_return (invoke "grown" (i32.const 1200)) (i32.const 13))
(assert_return (invoke "get" (i32.const 66736)) (i32.const 13))
(assert_trap (invoke "grown" (i32.const 70000)) "out of bounds memory access")
