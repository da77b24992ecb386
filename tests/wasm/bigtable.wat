;; A component in every other way, whose table is over the engine's size limit: it can never
;; be instantiated, so validate, inspect and spawn refuse it alike.
(module
  (table 20000000 funcref)
  (memory (export "memory") 1)
  (func (export "wactor_on_message") (param i32 i32 i64) (result i32)
    i32.const 0))
