;; wat2wasm
;; A v128 constant: fixed-width SIMD.
(module (func (result v128) (v128.const i64x2 0 0)))
