;; A component whose fuel is known by the engine's rule (src/wasm/code.c): a
;; FUEL op opens the function and each loop body and costs the WebAssembly
;; instructions from there to the next one, `end`s and the `loop` itself
;; included. So a message of P > 0 payload bytes costs 8 (the entry: the
;; lines marked 1..8) + 8 per loop iteration (the loop body up to the
;; function's end, 1..8), P iterations: 8 + 8 P. An empty payload traps
;; (unreachable) after paying the entry's 8.
(module
  (memory (export "memory") 1)
  (func (export "wactor_on_message") (param $sender_len i32) (param $len i32) (param $corr i64)
        (result i32)
    (local $i i32)
    local.get $len   ;; 1
    i32.eqz          ;; 2
    if               ;; 3
      unreachable    ;; 4
    end              ;; 5
    local.get $len   ;; 6
    local.set $i     ;; 7
    loop             ;; 8
      local.get $i   ;; 1
      i32.const 1    ;; 2
      i32.sub        ;; 3
      local.tee $i   ;; 4
      br_if 0        ;; 5
    end              ;; 6
    i32.const 0))    ;; 7, and the function's end: 8
