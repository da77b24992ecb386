;; The second data segment does not fit: instantiation fails there, after
;; the first was written (WebAssembly 2.0 bulk-memory semantics).
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "ok")
  (data (i32.const 65535) "xy"))
