;; An element segment into an imported table: whether it fits depends on
;; the table given at instantiation.
(module
  (import "env" "table" (table 1 funcref))
  (elem (i32.const 8) funcref (ref.null func) (ref.null func) (ref.null func)))
