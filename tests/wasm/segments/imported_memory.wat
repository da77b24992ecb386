;; A data segment into an imported memory: whether it fits depends on the
;; memory given at instantiation, which may be larger than the minimum.
(module
  (import "env" "memory" (memory 1))
  (data (i32.const 70000) "0123456789abcdef"))
