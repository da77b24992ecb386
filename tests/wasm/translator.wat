;; Cases for the translator's register-style optimizations (code.c, fuse.c), each
;; with its expected results in tests/unit/translator_test.c. The spec suite
;; does not reach these paths: they need values still read from locals, or
;; folded instructions, on one path of a conditional branch.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  ;; a store in unreachable code (see also translator_test.c's k_dead_store)
  (func (export "store_dead")
    unreachable
    i32.store)
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
    (f64.add (f64.mul (local.get 0) (local.get 1)) (local.tee 0 (f64.const 1))))

  ;; ---- helpers: memory and the global, read and written plainly ----
  (func (export "set_i64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "get_i64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "get_i32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "get_g") (result i32) (global.get $g))

  ;; ---- read-modify-writes of an f64 (F64_MEM_*) ----
  ;; Each updates the f64 at (p + 16) mod 2^32 + 8 and returns it: the add
  ;; is folded into both accesses, which then match.
  (func (export "rmw_add") (param i32 f64) (result f64)
    (f64.store offset=8 (i32.add (local.get 0) (i32.const 16))
      (f64.add (f64.load offset=8 (i32.add (local.get 0) (i32.const 16))) (local.get 1)))
    (f64.load offset=8 (i32.add (local.get 0) (i32.const 16))))
  (func (export "rmw_add_swapped") (param i32 f64) (result f64)
    (f64.store offset=8 (i32.add (local.get 0) (i32.const 16))
      (f64.add (local.get 1) (f64.load offset=8 (i32.add (local.get 0) (i32.const 16)))))
    (f64.load offset=8 (i32.add (local.get 0) (i32.const 16))))
  (func (export "rmw_sub") (param i32 f64) (result f64)
    (f64.store offset=8 (i32.add (local.get 0) (i32.const 16))
      (f64.sub (f64.load offset=8 (i32.add (local.get 0) (i32.const 16))) (local.get 1)))
    (f64.load offset=8 (i32.add (local.get 0) (i32.const 16))))
  ;; x - m is no read-modify-write of m
  (func (export "rmw_rsub") (param i32 f64) (result f64)
    (f64.store (local.get 0) (f64.sub (local.get 1) (f64.load (local.get 0))))
    (f64.load (local.get 0)))
  ;; m + a*b and m - a*b round the product first: 0.3 - 0.1*3 = -2^-54
  (func (export "rmw_mul_add") (param i32 f64 f64) (result f64)
    (f64.store (local.get 0)
      (f64.add (f64.load (local.get 0)) (f64.mul (local.get 1) (local.get 2))))
    (f64.load (local.get 0)))
  (func (export "rmw_sub_mul") (param i32 f64 f64) (result f64)
    (f64.store (local.get 0)
      (f64.sub (f64.load (local.get 0)) (f64.mul (local.get 1) (local.get 2))))
    (f64.load (local.get 0)))
  ;; a*b - m is no read-modify-write of m
  (func (export "rmw_mul_sub") (param i32 f64 f64) (result f64)
    (f64.store (local.get 0)
      (f64.sub (f64.mul (local.get 1) (local.get 2)) (f64.load (local.get 0))))
    (f64.load (local.get 0)))
  ;; A store between the load and the store: the old value is added to.
  (func (export "rmw_store_between") (param i32) (result f64)
    local.get 0
    local.get 0
    f64.load
    (f64.store (local.get 0) (f64.const 100))
    f64.const 1
    f64.add
    f64.store
    (f64.load (local.get 0)))
  ;; The load traps before the division does, and before the global is set.
  (func (export "rmw_trap_order") (param i32 i32)
    local.get 0
    local.get 0
    f64.load
    (f64.convert_i32_s (i32.div_s (i32.const 1) (local.get 1)))
    f64.add
    f64.store)
  (func (export "rmw_global") (param i32)
    local.get 0
    local.get 0
    f64.load
    (global.set $g (i32.const 7))
    f64.const 1
    f64.add
    f64.store)
  ;; The store goes to the old p even though p changes in between.
  (func (export "rmw_local") (param i32) (result f64)
    local.get 0
    local.get 0
    f64.load
    (local.set 0 (i32.const 2048))
    f64.const 1
    f64.add
    f64.store
    (f64.load (i32.const 2048)))

  ;; ---- a load stored as it is (MOVE<bits>): from p to q ----
  (func (export "move32") (param i32 i32) (i32.store (local.get 1) (i32.load (local.get 0))))
  (func (export "move64") (param i32 i32)
    (i64.store offset=4 (local.get 1) (i64.load offset=4 (local.get 0))))
  (func (export "move8") (param i32 i32) (i32.store8 (local.get 1) (i32.load8_s (local.get 0))))
  (func (export "move16") (param i32 i32) (i64.store16 (local.get 1) (i64.load16_u (local.get 0))))
  (func (export "move_f64") (param i32 i32) (f64.store (local.get 1) (f64.load (local.get 0))))
  (func (export "move_f32") (param i32 i32) (f32.store (local.get 1) (f32.load (local.get 0))))
  ;; both addresses wrap around through their folded adds
  (func (export "move_wrap") (param i32 i32)
    (i32.store (i32.add (local.get 1) (i32.const 8)) (i32.load (i32.add (local.get 0) (i32.const 8)))))
  ;; a 4-byte load stored as 1 byte is no MOVE8: it checks 4 bytes
  (func (export "move_narrow") (param i32 i32) (i32.store8 (local.get 1) (i32.load (local.get 0))))
  ;; constant addresses, with locals (a zero slot) and without
  (func (export "move_const") (i32.store (i32.const 1100) (i32.load (i32.const 1104))))
  (func (export "move_const_local") (local i32)
    (i32.store (i32.const 1108) (i32.load (i32.const 1104))))

  ;; ---- constant addresses (the zero slot): (0 + k) mod 2^32 + offset ----
  (func (export "const_addr") (param i32) (result i32) (local i32)
    (i32.store offset=4 (i32.const 1020) (local.get 0))
    (i32.load (i32.const 1024)))
  (func (export "const_addr_far") (result i32) (local i32)
    (i32.load offset=1 (i32.const -1)))
  (func (export "const_addr_store_far") (local i32)
    (i32.store8 offset=2 (i32.const -1) (i32.const 1)))

  ;; ---- loops: back edges with the FUEL op's work, counters fused ----
  ;; br_if on a decremented counter (ADD_JMP_I32_NE_IMM_LOOP)
  (func (export "loop_count") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
    (local.get 1))
  ;; a signed comparison with a local (ADD_JMP_I32_LT_S_LOOP)
  (func (export "loop_lt_s") (param i32 i32) (result i32) (local i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_s (local.tee 0 (i32.add (local.get 0) (i32.const 3))) (local.get 1))))
    (local.get 2))
  ;; an unsigned comparison with a constant (signed, it would stop at once)
  (func (export "loop_gt_u") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l
        (i32.gt_u (local.tee 0 (i32.add (local.get 0) (i32.const -16))) (i32.const 0x7fffffe0))))
    (local.get 1))
  ;; a bit test back to the loop's FUEL op (JMP_NONE), br to a loop (JMP_LOOP)
  (func (export "loop_bits") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 0 (i32.shr_u (local.get 0) (i32.const 1)))
      (br_if $l (i32.eqz (i32.and (local.get 0) (i32.const 1)))))
    (loop $m
      (local.set 1 (i32.add (local.get 1) (i32.const 100)))
      (local.set 0 (i32.shr_u (local.get 0) (i32.const 1)))
      (if (local.get 0) (then (br $m))))
    (local.get 1))

  ;; ---- bit tests (JMP_ANY, JMP_NONE) ----
  (func (export "bit_test") (param i32) (result i32)
    (block (br_if 0 (i32.and (local.get 0) (i32.const 8))) (return (i32.const 0)))
    (if (result i32) (i32.eqz (i32.and (local.get 0) (i32.const 2)))
      (then (i32.const 1)) (else (i32.const 2))))
  ;; the and's result is also kept in a local: no bit test
  (func (export "bit_test_tee") (param i32) (result i32) (local i32)
    (block (br_if 0 (local.tee 1 (i32.and (local.get 0) (i32.const 12)))))
    (local.get 1))

  ;; ---- bundles ----
  (func (export "bundle_adds") (param i32 i32) (result i32 i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 3)))
    (local.set 1 (i32.add (local.get 1) (i32.const 5)))
    (local.get 0) (local.get 1))
  ;; the second add reads the first's result
  (func (export "bundle_add2") (param i32 i32 i32) (result i32 i32)
    (local.set 0 (i32.add (local.get 0) (local.get 1)))
    (local.set 1 (i32.add (local.get 0) (local.get 2)))
    (local.get 0) (local.get 1))
  ;; the last add is a branch target: not bundled with the one before
  (func (export "bundle_target") (param i32 i32) (result i32)
    (block
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (local.get 0))
      (local.set 1 (i32.add (local.get 1) (i32.const 10))))
    (local.set 1 (i32.add (local.get 1) (i32.const 100)))
    (local.get 1))
  ;; a pointer bumped, then a load through it (ADD_IMM_LOAD8_U, ADD_IMM_LOAD)
  (func (export "bump_load") (param i32) (result i32 i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    (i32.load8_u (local.get 0))
    (local.set 0 (i32.add (local.get 0) (i32.const 3)))
    (i32.load (local.get 0)))
  ;; a pointer bump before the counter's fused branch (ADD2_JMP)
  (func (export "bundle_loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 7)))
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const -1))) (i32.const 0))))
    (local.get 1))

  ;; ---- stores of shift merges (STORE_SHL_SHR_OR, STORE_SHR_SHL_OR) ----
  (func (export "store_merge") (param i32 i32 i32)
    (i32.store offset=4 (local.get 0)
      (i32.or (i32.shl (local.get 1) (i32.const 8)) (i32.shr_u (local.get 2) (i32.const 24))))
    (i32.store offset=8 (local.get 0)
      (i32.or (i32.shr_u (local.get 1) (i32.const 8)) (i32.shl (local.get 2) (i32.const 24)))))

  ;; ---- a base plus a scaled index (I32_ADD_SHL), wrapping around ----
  (func (export "add_shl") (param i32 i32) (result i32 i32 i32)
    (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))
    ;; the count is taken mod 32
    (i32.add (i32.shl (local.get 1) (i32.const 33)) (local.get 0))
    ;; the shift's operand in its own slot, which the fused op reads
    (i32.add (i32.add (local.get 0) (i32.const 1))
      (i32.shl (i32.add (local.get 1) (i32.const 1)) (i32.const 31))))

  ;; the shift first, then the other operand: (y << 2) + (a + 16), and the
  ;; same with the other operand loaded (the load moves up over the shift)
  (func (export "shl_then_add") (param i32 i32) (result i32 i32)
    (i32.add (i32.shl (local.get 1) (i32.const 2)) (i32.add (local.get 0) (i32.const 16)))
    (i32.add (i32.shl (local.get 1) (i32.const 2)) (i32.load (local.get 0))))
  ;; the other operand written into the shift's own local by a tee: the
  ;; shift must still read the value from before
  (func (export "shl_then_tee") (param i32 i32) (result i32 i32)
    (i32.add (i32.shl (local.get 0) (i32.const 3)) (local.tee 0 (i32.add (local.get 1) (i32.const 1))))
    (local.get 0))
  ;; a load that traps moves up over the shift: the trap is the load's
  (func (export "shl_then_load_oob") (param i32 i32) (result i32)
    (i32.add (i32.shl (local.get 1) (i32.const 2)) (i32.load (local.get 0))))
  ;; an array element read and written (ADD_SHL_LOAD, ADD_SHL_STORE)
  (func (export "array_rw") (param i32 i32 i32) (result i32)
    (i32.store (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))) (local.get 2))
    (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
  ;; a loop whose back edge copies a local first (COPY_JMP_LOOP): the sum
  ;; n + ... + 1, kept in local 2 by the copy
  (func (export "copy_loop") (param i32) (result i32) (local i32 i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (local.set 2 (local.get 1))
        (br $l)))
    (local.get 2))
  ;; the same back edge, endless: it runs out of fuel
  (func (export "copy_spin") (local i32 i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (local.set 1 (local.get 0))
      (br $l)))

  ;; ---- zero set into a local that is still zero ----
  (func (export "zero_local") (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 0))
    (local.set 1 (i32.add (local.get 1) (local.get 0)))
    (local.set 1 (i32.const 0))
    (i32.add (local.get 1) (local.get 0)))
  ;; in a loop the set runs on every pass
  (func (export "zero_loop") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.const 0))
      (local.set 2 (i32.add (local.get 2) (local.get 1)))
      (local.set 1 (i32.const 5))
      (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
    (local.get 2)))
