;; wat2wasm --enable-gc
;; A struct type: the GC proposal.
(module (type (struct (field i32) (field i32))))
