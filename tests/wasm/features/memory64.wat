;; wat2wasm --enable-memory64
;; A memory indexed by i64.
(module (memory i64 1))
