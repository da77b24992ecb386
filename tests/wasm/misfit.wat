;; A component in every other way, whose data segment can never fit its memory:
;; valid WebAssembly that no instantiation accepts (validate must say so).
(module
  (memory (export "memory") 1)
  (data (i32.const 70000) "0123456789abcdef")
  (func (export "wactor_on_message") (param i32 i32 i64) (result i32)
    i32.const 0))
