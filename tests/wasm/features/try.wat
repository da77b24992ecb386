;; wat2wasm --enable-exceptions
;; try/catch_all without tags: the exception-handling proposal.
(module
  (func $f)
  (func (try (do (call $f)) (catch_all))))
