;; A loop whose head is a dispatch (a few ops, then br_table) gets the head copied to each back
;; edge in the compiled tier (docs/AOT.md, "Dispatch loops"). Run in both tiers
;; (tests/CMakeLists.txt: aot.dispatch, aot.dispatch.interp): the same results, the same traps
;; from a copy of the head (the fetch past the end of memory), and the stores before them.
(module
  (memory 1)
  ;; programs: add 5, double, double, halt | add 7, jump to 12 | at 12: double, halt
  (data (i32.const 0) "\01\05\02\02\00")
  (data (i32.const 8) "\01\07\03\0c")
  (data (i32.const 12) "\02\00")
  ;; a bad opcode
  (data (i32.const 16) "\01\01\09")
  ;; runs off the end of memory: add 3, then the fetch at 65536 traps
  (data (i32.const 65534) "\01\03")

  ;; A small machine: op 0 halt, 1 add the next byte, 2 double, 3 jump to the next byte; every
  ;; add stores the sum at 256 (what a trap leaves behind).
  (func (export "run") (param $pc i32) (result i32)
    (local $acc i32)
    (loop $next
      (block $bad
        (block $halt
          (block $add
            (block $dbl
              (block $jmp
                (br_table $halt $add $dbl $jmp $bad (i32.load8_u (local.get $pc))))
              ;; jmp
              (local.set $pc (i32.load8_u offset=1 (local.get $pc)))
              (br $next))
            ;; dbl
            (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
            (br $next))
          ;; add
          (local.set $acc (i32.add (local.get $acc) (i32.load8_u offset=1 (local.get $pc))))
          (i32.store (i32.const 256) (local.get $acc))
          (local.set $pc (i32.add (local.get $pc) (i32.const 2)))
          (br $next))
        ;; halt
        (return (local.get $acc)))
      ;; bad opcode
      (unreachable))
    (i32.const -1))

  (func (export "stored") (result i32) (i32.load (i32.const 256)))

  ;; The same shape with the loop's index in a local counted down: many passes through the
  ;; copies (each back edge charges the loop's fuel before its copy of the head).
  (func (export "count") (param $n i32) (result i32)
    (local $acc i32)
    (loop $next
      (block $done
        (block $times5
          (block $plus3
            (br_table $done $times5 $plus3 (select (i32.const 0)
                                               (i32.add (i32.and (local.get $n) (i32.const 1)) (i32.const 1))
                                               (i32.eqz (local.get $n)))))
          ;; n odd
          (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))
        ;; n even
        (local.set $acc (i32.mul (local.get $acc) (i32.const 5)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)

(assert_return (invoke "run" (i32.const 0)) (i32.const 20))
(assert_return (invoke "stored") (i32.const 5))
(assert_return (invoke "run" (i32.const 8)) (i32.const 14))
(assert_return (invoke "stored") (i32.const 7))
(assert_trap (invoke "run" (i32.const 16)) "unreachable")
(assert_return (invoke "stored") (i32.const 1))
(assert_trap (invoke "run" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "stored") (i32.const 3))
(assert_return (invoke "count" (i32.const 0)) (i32.const 0))
(assert_return (invoke "count" (i32.const 1)) (i32.const 3))
(assert_return (invoke "count" (i32.const 2)) (i32.const 3))
(assert_return (invoke "count" (i32.const 1000)) (i32.const 1812580612))
