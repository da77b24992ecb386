;; An active element segment past the end of the module's own table.
(module
  (table 10 funcref)
  (elem (i32.const 8) funcref (ref.null func) (ref.null func) (ref.null func)))
