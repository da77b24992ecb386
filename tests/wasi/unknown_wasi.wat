;; Imports a function preview1 does not have: exec must name it and say so.
(module
  (import "wasi_snapshot_preview1" "no_such_call" (func (param i32) (result i32)))
  (func (export "_start")))
