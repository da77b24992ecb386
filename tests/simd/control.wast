;; v128 values through the translator's control flow: a v128 takes two frame slots, so
;; every place where values move (blocks, branches, calls, results, locals, globals,
;; select) must count slots, not values. Run by the spec runner (ctest simd.control).

(module
  (type $vv (func (param v128 v128) (result v128)))
  (table funcref (elem $add $sub))
  (memory 1)
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (global (export "g") (mut v128) (v128.const i64x2 -1 7))

  (func $add (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func $sub (param v128 v128) (result v128) (i32x4.sub (local.get 0) (local.get 1)))

  ;; mixed widths in and out: results land over the params in slot order
  (func $mix (export "mix") (param i32 v128 i64 v128) (result v128 i32 v128)
    (local.get 3) (local.get 0) (local.get 1))
  (func (export "call_mix") (param i32 v128 v128) (result v128 i32 v128)
    (call $mix (local.get 0) (local.get 1) (i64.const 5) (local.get 2)))

  ;; results read from locals the earlier results overwrite
  (func (export "swap") (param v128 v128) (result v128 v128)
    (local.get 1) (local.get 0))
  (func (export "swap_ret") (param i32 v128 v128) (result v128 v128)
    (if (local.get 0) (then (return (local.get 2) (local.get 1))))
    (local.get 1) (local.get 2))

  ;; a block with v128 params and results, left by br over other values
  (func (export "block_br") (param v128 i32) (result i32 v128)
    (local.get 1) (local.get 0)
    (block (param i32 v128) (result i32 v128)
      (i32.const 99) (drop)
      (v128.const i32x4 9 9 9 9) (i32.const 1)
      (br_if 0 (i32.const 10) (v128.const i32x4 5 6 7 8) (local.get 1))
      (drop) (drop) (drop) (drop)))

  ;; br_table to three depths, each carrying a v128
  (func (export "table") (param i32) (result v128)
    (block (result v128)
      (block (result v128)
        (block (result v128)
          (v128.const i32x4 100 200 300 400)
          (br_table 0 1 2 (local.get 0)))
        (i32x4.add (v128.const i32x4 1 1 1 1)))
      (i32x4.add (v128.const i32x4 10 10 10 10))))

  ;; a loop carrying a v128 param and an i32 counter
  (func (export "loop") (param i32) (result v128)
    (v128.const i32x4 0 0 0 0) (local.get 0)
    (loop (param v128 i32) (result v128)
      (local.set 0)
      (i32x4.add (v128.const i32x4 1 2 3 4))
      (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0))
      (drop)))

  (func (export "if_else") (param i32 v128 v128) (result v128)
    (if (result v128) (local.get 0)
      (then (local.get 1))
      (else (local.get 2))))

  (func (export "select") (param i32 v128 v128) (result v128)
    (select (result v128) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "select_untyped") (param i32 v128 v128) (result v128)
    (select (local.get 1) (local.get 2) (local.get 0)))

  (func (export "indirect") (param i32 v128 v128) (result v128)
    (call_indirect (type $vv) (local.get 1) (local.get 2) (local.get 0)))

  (func (export "globals") (param v128) (result v128 v128)
    (global.get $g)
    (global.set $g (local.get 0))
    (global.get $g))

  ;; locals of both widths, tee, and a v128 local zero at entry
  (func (export "locals") (param i32) (result v128 i32 v128)
    (local i64 v128 i32 v128 v128)
    (local.set 4 (local.tee 2 (i32x4.splat (local.get 0))))
    (local.set 3 (i32.add (local.get 0) (i32.const 1)))
    (local.get 2) (local.get 3) (local.get 4)
    (drop) (drop) (drop)
    (i32x4.add (local.get 2) (local.get 4)) (local.get 3) (local.get 5))

  ;; loads and stores at a folded address; bounds as the scalar accesses
  (func (export "store_load") (param i32 v128) (result v128)
    (v128.store offset=4 (i32.add (local.get 0) (i32.const 8)) (local.get 1))
    (v128.load offset=12 (local.get 0)))
  (func (export "load_at") (param i32) (result v128)
    (v128.load (local.get 0)))
  (func (export "lane_at") (param i32 v128) (result v128)
    (v128.load32_lane 2 (local.get 0) (local.get 1)))
)

(assert_return (invoke "mix" (i32.const 7) (v128.const i32x4 1 2 3 4) (i64.const 9)
                 (v128.const i32x4 5 6 7 8))
  (v128.const i32x4 5 6 7 8) (i32.const 7) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "call_mix" (i32.const 3) (v128.const i64x2 11 12) (v128.const i64x2 13 14))
  (v128.const i64x2 13 14) (i32.const 3) (v128.const i64x2 11 12))
(assert_return (invoke "swap" (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8))
  (v128.const i32x4 5 6 7 8) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "swap_ret" (i32.const 1) (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8))
  (v128.const i32x4 5 6 7 8) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "swap_ret" (i32.const 0) (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8))
  (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8))
(assert_return (invoke "block_br" (v128.const i32x4 1 2 3 4) (i32.const 1))
  (i32.const 10) (v128.const i32x4 5 6 7 8))
(assert_return (invoke "block_br" (v128.const i32x4 1 2 3 4) (i32.const 0))
  (i32.const 0) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "table" (i32.const 0)) (v128.const i32x4 111 211 311 411))
(assert_return (invoke "table" (i32.const 1)) (v128.const i32x4 110 210 310 410))
(assert_return (invoke "table" (i32.const 2)) (v128.const i32x4 100 200 300 400))
(assert_return (invoke "table" (i32.const 9)) (v128.const i32x4 100 200 300 400))
(assert_return (invoke "loop" (i32.const 5)) (v128.const i32x4 5 10 15 20))
(assert_return (invoke "if_else" (i32.const 1) (v128.const i64x2 1 2) (v128.const i64x2 3 4))
  (v128.const i64x2 1 2))
(assert_return (invoke "if_else" (i32.const 0) (v128.const i64x2 1 2) (v128.const i64x2 3 4))
  (v128.const i64x2 3 4))
(assert_return (invoke "select" (i32.const 1) (v128.const i64x2 1 2) (v128.const i64x2 3 4))
  (v128.const i64x2 1 2))
(assert_return (invoke "select" (i32.const 0) (v128.const i64x2 1 2) (v128.const i64x2 3 4))
  (v128.const i64x2 3 4))
(assert_return (invoke "select_untyped" (i32.const 0) (v128.const i64x2 1 2) (v128.const i64x2 3 4))
  (v128.const i64x2 3 4))
(assert_return (invoke "indirect" (i32.const 0) (v128.const i32x4 10 20 30 40) (v128.const i32x4 1 2 3 4))
  (v128.const i32x4 11 22 33 44))
(assert_return (invoke "indirect" (i32.const 1) (v128.const i32x4 10 20 30 40) (v128.const i32x4 1 2 3 4))
  (v128.const i32x4 9 18 27 36))
(assert_trap (invoke "indirect" (i32.const 2) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0))
  "undefined element")
(assert_return (invoke "globals" (v128.const i32x4 5 6 7 8))
  (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8))
(assert_return (get "g") (v128.const i64x2 -1 7))
(assert_return (invoke "locals" (i32.const 3))
  (v128.const i32x4 6 6 6 6) (i32.const 4) (v128.const i32x4 0 0 0 0))
(assert_return (invoke "store_load" (i32.const 100) (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
  (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
(assert_return (invoke "load_at" (i32.const 65520)) (v128.const i32x4 0 0 0 0))
(assert_trap (invoke "load_at" (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "load_at" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "store_load" (i32.const 65516) (v128.const i32x4 0 0 0 0))
  "out of bounds memory access")
(assert_return (invoke "lane_at" (i32.const 65532) (v128.const i32x4 1 2 3 4))
  (v128.const i32x4 1 2 0 4))
(assert_trap (invoke "lane_at" (i32.const 65533) (v128.const i32x4 1 2 3 4))
  "out of bounds memory access")

;; tail calls with v128 arguments and results (the frame is reused: the arguments move by slot)
(module
  (func $count (param i32 v128) (result v128 i32)
    (if (i32.eqz (local.get 0)) (then (return (local.get 1) (i32.const 42))))
    (return_call $count (i32.sub (local.get 0) (i32.const 1))
      (i32x4.add (local.get 1) (v128.const i32x4 1 0 0 2))))
  (func (export "count") (param i32) (result v128 i32)
    (call $count (local.get 0) (v128.const i32x4 0 0 0 0)))
)
(assert_return (invoke "count" (i32.const 100000))
  (v128.const i32x4 100000 0 0 200000) (i32.const 42))

;; malformed and invalid SIMD: clear rejections
(assert_malformed (module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7b"        ;; type: [] -> [v128]
  "\03\02\01\00"                 ;; one function
  "\0a\07\01\05\00\fd\ff\01\0b") ;; 0xfd 255: no such instruction
  "illegal opcode")
(assert_malformed (module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7b"
  "\03\02\01\00"
  "\0a\0a\01\08\00\fd\0c\00\00\00\00\00") ;; v128.const cut short
  "unexpected end")
(assert_invalid (module (func (result v128) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32
  (v128.const i64x2 0 0) (v128.const i64x2 0 0)))) "invalid lane index")
