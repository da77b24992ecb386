;; wat2wasm --enable-tail-call
;; A tail call.
(module (func $f (result i32) (i32.const 7)) (func (export "g") (result i32) (return_call $f)))
