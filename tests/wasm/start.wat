;; A would-be component with a start function: refused at spawn, since
;; the start function would run before the instance is the component's
;; and outside its limits.
(module
  (memory (export "memory") 1)
  (func $start)
  (start $start)
  (func (export "wactor_on_message") (param i32 i32 i64) (result i32)
    i32.const 0))
