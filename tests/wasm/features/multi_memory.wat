;; wat2wasm --enable-multi-memory
;; Two memories.
(module (memory 1) (memory 1))
