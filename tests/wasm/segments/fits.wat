;; Segments that end exactly at the end of their table or memory, and an
;; empty one at the very end: all fit.
(module
  (func $f)
  (table (export "table") 10 funcref)
  (memory (export "memory") 1)
  (elem (i32.const 7) func $f $f $f)
  (data (i32.const 65520) "0123456789abcdef")
  (data (i32.const 65536) ""))
