;; Cases for the translator's register-style optimizations (code.c), each
;; with its expected results in tests/unit/translator_test.c. The spec suite
;; does not reach these paths: they need values still read from locals, or
;; folded instructions, on one path of a conditional branch.
(module
  (memory 1)
  (func $dirty (param i32) (result i32 i32 i32 i32)
    i32.const 111 i32.const 222 i32.const 333 i32.const 444)

  ;; br_if to the function label with results read from locals that the
  ;; result copies overwrite: the fall-through path must still read them.
  (func (export "br_if_swap") (param i32 i32) (result i32 i32)
    (call $dirty (i32.const 0)) drop drop drop drop
    local.get 1 local.get 0 local.get 1
    br_if 0)

  ;; br_table: one target is the function (copies), the default a block.
  (func (export "br_table_swap") (param i32 i32 i32) (result i32 i32)
    (call $dirty (i32.const 0)) drop drop drop drop
    (block (result i32 i32)
      local.get 1 local.get 0 local.get 2
      br_table 1 0))

  ;; A value read from a local stays correct after the local is set.
  (func (export "get_then_set") (param i32) (result i32)
    local.get 0
    (local.set 0 (i32.const 7))
    local.get 0
    i32.sub)

  ;; The store's address add is folded across the value's computation,
  ;; but not when the value's computation writes the add's source local.
  (func (export "fold_address") (param i32) (result i32)
    (i32.store (i32.add (local.get 0) (i32.const 4))
      (local.tee 0 (i32.const 100)))
    (i32.load (i32.const 104)))

  ;; f64 multiply-add keeps two roundings: 0.1 * 3 rounds up to
  ;; 0.30000000000000004, minus 0.3 gives 2^-54; a fused multiply-add would
  ;; give the exact 2^-55 + ... instead.
  (func (export "mul_sub") (result f64)
    (f64.sub (f64.mul (f64.const 0.1) (f64.const 3)) (f64.const 0.3)))

  ;; A comparison fused into a branch, and the branch not taken.
  (func (export "fused_branch") (param i32 i32) (result i32)
    (block (result i32)
      (br_if 0 (i32.const 1) (i32.lt_s (local.get 0) (local.get 1)))
      drop
      (i32.const 2)))

  ;; Two constant shifts merged by i32.or fuse into one instruction, in
  ;; both orders, also when both read the same local.
  (func (export "shift_merge") (param i32 i32) (result i32 i32 i32)
    (i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 1) (i32.const 24)))
    (i32.or (i32.shr_u (local.get 0) (i32.const 8)) (i32.shl (local.get 1) (i32.const 24)))
    (i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 0) (i32.const 24))))

  ;; A product computed before a load still fuses with the add; but not when
  ;; a factor's local is written in between (the fused op reads it later).
  (func (export "mul_cut") (param f64 f64) (result f64 f64)
    (f64.add (f64.mul (local.get 0) (local.get 1)) (f64.load (i32.const 200)))
    (f64.add (f64.mul (local.get 0) (local.get 1)) (local.tee 0 (f64.const 1)))))
