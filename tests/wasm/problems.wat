;; A module that is valid WebAssembly but falls short of a wactor component in
;; every way the ABI check knows (tests/api/api_test.c lists them).
(module
  (import "wactor" "request" (func (param i32 i32 i32 i32 i32) (result i64)))
  (import "wactor" "send" (func (param i32) (result i32)))
  (import "wactor" "no_such_import" (func))
  (import "env" "elsewhere" (func))
  (func $nothing)
  (start $nothing)
  (memory 2)
  (export "wactor_init" (func $nothing)))
