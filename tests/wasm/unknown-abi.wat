;; A module that imports an ABI no runtime of ours provides (an Emscripten syscall).
;; Create must fail and name the missing import.
(module
  (import "env" "___syscall3" (func $syscall3 (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $syscall3 (i32.const 3) (i32.const 0)))))
