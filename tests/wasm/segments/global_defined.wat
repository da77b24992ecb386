;; The offset read from a global the module defines: WebAssembly 2.0 lets
;; constant expressions read only imported globals, so this module is
;; invalid (built with wat2wasm --no-check). If the engine ever accepts it,
;; wa_module_check_segments must catch the misfit (segments_test).
(module
  (global i32 (i32.const 70000))
  (memory 1)
  (data (global.get 0) "x"))
