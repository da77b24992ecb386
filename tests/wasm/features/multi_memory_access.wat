;; wat2wasm --enable-multi-memory
;; A load from memory 1 (of one imported and one defined).
(module
  (import "m" "mem" (memory 1))
  (memory $b 1)
  (func (result i32) (i32.load $b (i32.const 0))))
