;; Both an element and a data segment do not fit: elements are applied
;; first, so the element segment is the one reported.
(module
  (table 1 funcref)
  (memory 1)
  (data (i32.const 70000) "x")
  (elem (i32.const 1) funcref (ref.null func)))
