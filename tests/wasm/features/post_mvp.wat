;; wat2wasm
;; Sign extension, bulk memory, multi-value, a mutable global export, reference types.
(module
  (memory 1)
  (table 1 funcref)
  (global (export "g") (mut i32) (i32.const 0))
  (func (param i32) (result i32 i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))
    (i32.extend8_s (local.get 0))
    (table.size 0)))
