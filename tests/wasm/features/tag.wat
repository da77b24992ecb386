;; wat2wasm --enable-exceptions
;; A tag and a throw: the exception-handling proposal.
(module (tag $e) (func (throw $e)))
