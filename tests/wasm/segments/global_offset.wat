;; The offset is read from an imported global: known only once linked.
(module
  (import "env" "offset" (global i32))
  (memory 1)
  (data (global.get 0) "0123456789abcdef"))
