;; wat2wasm --enable-threads
;; An atomic load from an unshared memory: valid under the threads proposal.
(module
  (memory 1)
  (func (result i32) (i32.atomic.load (i32.const 0))))
