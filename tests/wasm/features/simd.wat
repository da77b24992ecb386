;; wat2wasm
;; A v128 constant: fixed-width SIMD (implemented), returned as two wa_val.
(module (func (export "f") (result v128) (v128.const i64x2 7 9)))
