;; wat2wasm --enable-threads
;; A shared memory: the threads proposal.
(module (memory 1 2 shared))
