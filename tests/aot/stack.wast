;; Where the call stack runs out, in both tiers (tests/CMakeLists.txt: aot.stack,
;; aot.stack.interp). Compiled functions check their frame on the value stack and the C
;; stack only past a limit worked out when compiled code is entered (docs/AOT.md, "Calls");
;; these recursions run into the value stack (frames of 300 unused locals: large on the
;; value stack, small in C), into the depth limit (small frames), and through tail calls
;; into a large frame, and count their levels in a global: the count when the stack ran
;; out is the interpreter's.
;;
;; The expected counts follow from the engine's stack (1 Mi slots, 10,000 frames) and
;; the frame sizes the translator gives these functions: if either changes, the
;; interpreted run (aot.stack.interp) fails first, with the new counts.
(module
  (global $depth (mut i32) (i32.const 0))

  ;; Each level takes a frame of 300 locals and more: the value stack runs out first.
  (func $big
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (call $big))

  ;; A small frame: the depth limit comes first.
  (func $small
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (call $small))

  ;; A small frame calls, its callee tail-calls a large frame in its place, which calls
  ;; the small one again: the large frame, reached by a tail call, is the one that does not fit.
  (func $step
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (call $to_big))
  (func $to_big
    (return_call $big_tail))
  (func $big_tail
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (call $step))

  (func (export "big") (global.set $depth (i32.const 0)) (call $big))
  (func (export "small") (global.set $depth (i32.const 0)) (call $small))
  (func (export "tail") (global.set $depth (i32.const 0)) (call $step))
  (func (export "depth") (result i32) (global.get $depth)))

(assert_exhaustion (invoke "big") "call stack exhausted")
(assert_return (invoke "depth") (i32.const 3483))
(assert_exhaustion (invoke "small") "call stack exhausted")
(assert_return (invoke "depth") (i32.const 10000))
(assert_exhaustion (invoke "tail") "call stack exhausted")
(assert_return (invoke "depth") (i32.const 3484))
